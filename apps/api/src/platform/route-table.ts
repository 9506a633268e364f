import FindMyWay, { type HTTPVersion } from 'find-my-way';

/**
 * A record of every registered path and its methods, kept by an onRoute hook. Fastify answers
 * an unknown method on a known path with 404; this lets the not-found handler tell the two
 * apart and answer 405 with `Allow`.
 */
export class RouteTable {
  private readonly router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true, maxParamLength: 500 });
  private readonly methods = new Map<string, Set<string>>();

  add(method: string, url: string): void {
    // Catch-all routes (the CORS preflight handler) would make every path look known.
    if (url === '*' || url === '/*') return;
    let set = this.methods.get(url);
    if (!set) {
      set = new Set();
      this.methods.set(url, set);
    }
    if (set.has(method)) return;
    set.add(method);
    try {
      this.router.on(method as 'GET', url, () => {});
    } catch {
      // A method find-my-way does not know, or a duplicate: nothing to record.
    }
  }

  methodsFor(path: string): string[] {
    const allowed: string[] = [];
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']) {
      let found = null;
      try {
        found = this.router.find(method as 'GET', path);
      } catch {
        found = null;
      }
      if (found) allowed.push(method);
    }
    return allowed;
  }
}
