import type { Config } from '../config.js';

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sec-Fetch-Site values a browser sends for a request the page's own origin (or the user) made. */
const FIRST_PARTY_FETCH_SITES = new Set(['same-origin', 'none']);

/** The browser origins allowed to send cookie-authenticated writes (and to sign in). */
export interface OriginPolicy {
  /** Every trusted origin for a request that arrived with this Host header. */
  trusted(host?: string): string[];
  isTrusted(origin: string, host?: string): boolean;
  /**
   * Why a state-changing request carrying the session cookie must be refused, or null when it
   * may go on. Browsers always send Sec-Fetch-Site (and Origin on every non-GET fetch or form),
   * so a request with neither comes from a script, a mobile app or curl, where CSRF cannot happen.
   */
  crossSiteReason(request: {
    method: string;
    origin: string | undefined;
    fetchSite: string | undefined;
    host: string | undefined;
  }): string | null;
}

/**
 * Production trusts exactly PUBLIC_URL and CORS_ORIGINS. Development and tests also trust the
 * API's own origin under every loopback name on its port (the configured PORT, and the port the
 * request reached when its Host is a loopback name), so Swagger UI works whether it was opened
 * at localhost, 127.0.0.1 or [::1].
 */
export function createOriginPolicy(config: Pick<Config, 'NODE_ENV' | 'PORT' | 'PUBLIC_URL' | 'CORS_ORIGINS'>) {
  const fixed = new Set<string>([new URL(config.PUBLIC_URL).origin, ...config.CORS_ORIGINS]);
  const loopbackPorts = new Set<string>();
  if (config.NODE_ENV !== 'production') {
    loopbackPorts.add(String(config.PORT));
    const publicUrl = new URL(config.PUBLIC_URL);
    if (publicUrl.protocol === 'http:' && LOOPBACK_HOSTS.includes(publicUrl.hostname)) {
      loopbackPorts.add(publicUrl.port || '80');
    }
    for (const port of loopbackPorts) for (const name of LOOPBACK_HOSTS) fixed.add(loopbackOrigin(name, port));
  }

  const requestLoopbackPort = (host: string | undefined): string | null => {
    if (config.NODE_ENV === 'production' || !host) return null;
    try {
      const url = new URL(`http://${host}`);
      return LOOPBACK_HOSTS.includes(url.hostname) ? url.port || '80' : null;
    } catch {
      return null;
    }
  };

  const policy: OriginPolicy = {
    trusted(host) {
      const port = requestLoopbackPort(host);
      if (port === null || loopbackPorts.has(port)) return [...fixed];
      return [...fixed, ...LOOPBACK_HOSTS.map((name) => loopbackOrigin(name, port))];
    },
    isTrusted(origin, host) {
      if (fixed.has(origin)) return true;
      const port = requestLoopbackPort(host);
      return port !== null && LOOPBACK_HOSTS.some((name) => loopbackOrigin(name, port) === origin);
    },
    crossSiteReason({ method, origin, fetchSite, host }) {
      if (SAFE_METHODS.has(method.toUpperCase())) return null;
      if (origin !== undefined) {
        return policy.isTrusted(origin, host)
          ? null
          : `Origin ${origin} is not trusted for requests signed in with the session cookie; use a bearer token or an API key, or add it to CORS_ORIGINS`;
      }
      if (fetchSite !== undefined && !FIRST_PARTY_FETCH_SITES.has(fetchSite)) {
        return `A ${fetchSite} request without an Origin cannot use the session cookie`;
      }
      return null;
    },
  };
  return policy;
}

function loopbackOrigin(name: string, port: string): string {
  return port === '80' ? `http://${name}` : `http://${name}:${port}`;
}
