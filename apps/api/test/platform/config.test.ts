import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEVELOPMENT_SECRET, loadConfig, PUBLISHED_SECRETS } from '../../src/config.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

function productionProblems(secret: string): string[] {
  try {
    loadConfig({ NODE_ENV: 'production', BETTER_AUTH_SECRET: secret, SMTP_URL: 'smtp://mail.example.com:587' });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [...err.problems];
  }
}

/** Every literal a tracked file assigns to a variable or option named like a secret. */
function secretsInRepository(): Map<string, string> {
  const files = spawnSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\0');
  const found = new Map<string, string>();
  const pattern =
    /(?:BETTER_AUTH_SECRET|_SECRET|secret)["']?\s*[:=]\s*(?:\$\{[A-Z_]+:-)?["']?([A-Za-z0-9+/=_.-]{16,})/g;
  for (const file of files) {
    if (!file || !/\.(ts|mjs|js|json|ya?ml|md|example|sh)$|(^|\/)(run|\.env\.example)$/.test(file)) continue;
    const text = readFileSync(join(repoRoot, file), 'utf8');
    for (const match of text.matchAll(pattern)) {
      const value = match[1] as string;
      // Stripe-style secrets are checked by their own prefixes; env names are not values.
      if (/^(whsec_|sk_|rk_)/.test(value) || /^[A-Z_]+$/.test(value)) continue;
      found.set(value, file);
    }
  }
  return found;
}

describe('config', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      EMBEDDED_DB_DIR: '.data/pglite',
      LOG_LEVEL: 'info',
      CORS_ORIGINS: [],
      TRUST_PROXY: false,
      RATE_LIMIT_MAX: 300,
      MIGRATE_ON_START: true,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('is frozen', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://app.example.com' });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.CORS_ORIGINS)).toBe(true);
    expect(() => {
      (config as { PORT: number }).PORT = 1;
    }).toThrow(TypeError);
  });

  it('parses lists, proxies and booleans', () => {
    const config = loadConfig({
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      TRUST_PROXY: '10.0.0.0/8,127.0.0.1',
      DATABASE_URL: 'postgres://u:p@db:5432/habitual',
      MIGRATE_ON_START: 'false',
    });
    expect(config.CORS_ORIGINS).toEqual(['https://app.example.com', 'http://localhost:5173']);
    expect(config.TRUST_PROXY).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(config.MIGRATE_ON_START).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: 'loopback, fd00::/8' }).TRUST_PROXY).toEqual(['loopback', 'fd00::/8']);
    for (const bad of ['bad', 'face', '10.0.0.0/33', '10.0.0.1/x', '300.1.1.1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
    }
    // PostgreSQL is migrated by `db:migrate`, not at start, unless asked.
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/h' }).MIGRATE_ON_START).toBe(false);
  });

  it('requires a real secret and SMTP in production, and defaults verification on there', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['BETTER_AUTH_SECRET', 'SMTP_URL']);
    const production = loadConfig({
      NODE_ENV: 'production',
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      SMTP_URL: 'smtp://mail.example.com:587',
    });
    expect(production.REQUIRE_EMAIL_VERIFICATION).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).REQUIRE_EMAIL_VERIFICATION).toBe(false);
    expect(() => loadConfig({ BETTER_AUTH_SECRET: 'too short' })).toThrow(/BETTER_AUTH_SECRET/);
  });

  it('refuses in production a secret published in the repository, a short one, or a placeholder', () => {
    for (const secret of PUBLISHED_SECRETS) {
      const problems = productionProblems(secret);
      expect(problems, secret).toHaveLength(1);
      expect(problems[0]).toMatch(/^BETTER_AUTH_SECRET: is published in the Habitual repository/);
    }
    // Every secret-looking literal in the tracked files (compose defaults, examples, fixtures,
    // benchmarks) is refused, whichever rule catches it.
    const inRepo = secretsInRepository();
    expect([...inRepo.keys()]).toContain(DEVELOPMENT_SECRET);
    for (const [secret, file] of inRepo) {
      expect(productionProblems(secret), `${secret} (in ${file})`).not.toEqual([]);
    }
    expect(productionProblems('short-but-random-Zx81')[0]).toMatch(/at least 32/);
    expect(productionProblems('x'.repeat(64))[0]).toMatch(/placeholder/);
    expect(productionProblems('change-me-change-me-change-me-00')[0]).toMatch(/placeholder/);
    // 32 bytes of randomness, however encoded, is accepted; outside production any 32 characters do.
    expect(productionProblems(randomBytes(32).toString('base64'))).toEqual([]);
    expect(productionProblems(randomBytes(16).toString('hex'))).toEqual([]);
    expect(loadConfig({ NODE_ENV: 'development', BETTER_AUTH_SECRET: PUBLISHED_SECRETS[1] }).BETTER_AUTH_SECRET).toBe(
      PUBLISHED_SECRETS[1],
    );
  });

  it('docker-compose.yml has no default for any secret, and compose refuses to run without them', () => {
    const compose = readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8');
    const required = ['POSTGRES_PASSWORD', 'BETTER_AUTH_SECRET'];
    for (const name of required) {
      expect(compose, name).toMatch(new RegExp(`\\$\\{${name}:\\?[^}]+\\}`));
      expect(compose, name).not.toMatch(new RegExp(`\\$\\{${name}:?-`));
    }
    // No password or secret is written into the file itself.
    expect(compose).not.toMatch(/^\s*\w*(PASSWORD|SECRET)\w*:\s*[^$\s]/m);
    expect(compose).not.toMatch(/postgres:\/\/[^:]+:[^$@]+@/);

    // The compose client itself, when this machine has one (CI installs docker-compose).
    const client = [['docker', 'compose'], ['docker-compose']].find(
      ([bin, ...args]) => spawnSync(bin as string, [...args, 'version'], { encoding: 'utf8' }).status === 0,
    );
    if (!client) return;
    const [bin, ...args] = client as [string, ...string[]];
    // An empty env file, so a developer's own .env cannot supply the values.
    const envFile = join(mkdtempSync(join(tmpdir(), 'habitual-compose-')), 'empty.env');
    writeFileSync(envFile, '');
    const run = (env: Record<string, string>) =>
      spawnSync(bin, [...args, '--env-file', envFile, '-f', join(repoRoot, 'docker-compose.yml'), 'config', '-q'], {
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
    const values = {
      POSTGRES_PASSWORD: randomBytes(12).toString('hex'),
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
    };
    expect(run(values).status).toBe(0);
    for (const name of required) {
      const { [name]: _left, ...rest } = values as Record<string, string>;
      const result = run(rest);
      expect(result.status, name).not.toBe(0);
      expect(result.stderr, name).toContain(`set ${name}`);
    }
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', DATABASE_URL: '  ' });
    expect(config.PORT).toBe(3000);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names every offending variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        NODE_ENV: 'staging',
        DATABASE_URL: 'mysql://u:secret@db/x',
        CORS_ORIGINS: 'https://ok.example.com,not-an-origin,https://x.example.com/path',
        RATE_LIMIT_MAX: '0',
        LOG_LEVEL: 'loud',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining(['PORT', 'NODE_ENV', 'DATABASE_URL', 'CORS_ORIGINS', 'RATE_LIMIT_MAX', 'LOG_LEVEL']),
    );
    // A password in a URL is never echoed back.
    expect((error as ConfigError).message).not.toContain('secret');
  });

  it('makes the server exit non-zero with every problem on stderr', () => {
    const server = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--conditions=@habitual/source', '--import', 'tsx', server], {
      env: { PATH: process.env.PATH ?? '', PORT: '-1', TRUST_PROXY: 'sometimes', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Invalid environment configuration');
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('TRUST_PROXY');
  });
});
