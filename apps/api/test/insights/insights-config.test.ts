import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('config: AI and encryption settings', () => {
  it('defaults: no provider, no encryption key (also in production), bounded timeout and retries', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      AI_MODEL: 'gpt-4o-mini',
      AI_TIMEOUT_MS: 20_000,
      AI_MAX_RETRIES: 2,
      AI_RATE_LIMIT_PER_HOUR: 10,
      ENCRYPTION_KEY_ID: 'k1',
      ENCRYPTION_KEYS_OLD: [],
    });
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(config.ENCRYPTION_KEY).toBeUndefined();
    expect(config.AI_INSIGHTS_MONTHLY_CAP).toBeUndefined();
    const production = loadConfig({
      NODE_ENV: 'production',
      BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
      SMTP_URL: 'smtp://mail.example.com',
    });
    expect(production.ENCRYPTION_KEY).toBeUndefined();
  });

  it('accepts 32-byte keys as base64 or hex, and old keys as id:key pairs', () => {
    const hex = randomBytes(32).toString('hex');
    const b64 = randomBytes(32).toString('base64');
    const config = loadConfig({ ENCRYPTION_KEY: hex, ENCRYPTION_KEY_ID: '2026-03', ENCRYPTION_KEYS_OLD: `k1:${b64}` });
    expect(config.ENCRYPTION_KEYS_OLD).toEqual([{ id: 'k1', key: b64 }]);
  });

  it('lists every bad variable, without echoing secrets', () => {
    const secret = 'not-a-real-key-but-secret-123';
    const problems = problemsOf({
      ENCRYPTION_KEY: secret,
      OPENAI_BASE_URL: 'ftp://models.local',
      AI_MAX_RETRIES: '5',
      AI_TIMEOUT_MS: '10',
      ENCRYPTION_KEYS_OLD: 'nocolon',
    });
    const names = problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'ENCRYPTION_KEY',
        'OPENAI_BASE_URL',
        'AI_MAX_RETRIES',
        'AI_TIMEOUT_MS',
        'ENCRYPTION_KEYS_OLD',
      ]),
    );
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('old keys need a current key with a different id', () => {
    const key = randomBytes(32).toString('base64');
    expect(problemsOf({ ENCRYPTION_KEYS_OLD: `k0:${key}` })[0]).toMatch(/^ENCRYPTION_KEYS_OLD: needs ENCRYPTION_KEY/);
    expect(problemsOf({ ENCRYPTION_KEY: key, ENCRYPTION_KEYS_OLD: `k1:${key}` })[0]).toMatch(/k1 is the current/);
  });

  it('never echoes OPENAI_API_KEY', () => {
    const problems = problemsOf({ OPENAI_API_KEY: 'sk-secret-value', AI_MODEL: 'x'.repeat(300) });
    expect(problems.join('\n')).not.toContain('sk-secret-value');
  });
});
