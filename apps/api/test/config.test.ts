import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

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
      BETTER_AUTH_SECRET: 's'.repeat(32),
      SMTP_URL: 'smtp://mail.example.com:587',
    });
    expect(production.REQUIRE_EMAIL_VERIFICATION).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test' }).REQUIRE_EMAIL_VERIFICATION).toBe(false);
    expect(() => loadConfig({ BETTER_AUTH_SECRET: 'too short' })).toThrow(/BETTER_AUTH_SECRET/);
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
    const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
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
