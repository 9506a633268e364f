import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  // Random per run: a literal secret in the repository would count as published.
  BETTER_AUTH_SECRET: randomBytes(32).toString('base64'),
  SMTP_URL: 'smtp://mail.example.com:587',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

describe('reminders configuration', () => {
  it('refuses ALLOW_PRIVATE_OUTBOUND_URLS=true in production, allows it elsewhere', () => {
    expect(problems(PRODUCTION)).toEqual([]);
    expect(problems({ ...PRODUCTION, ALLOW_PRIVATE_OUTBOUND_URLS: 'true' })).toEqual([
      expect.stringMatching(/^ALLOW_PRIVATE_OUTBOUND_URLS: must not be true in production/),
    ]);
    expect(
      loadConfig({ NODE_ENV: 'development', ALLOW_PRIVATE_OUTBOUND_URLS: 'true' }).ALLOW_PRIVATE_OUTBOUND_URLS,
    ).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).ALLOW_PRIVATE_OUTBOUND_URLS).toBe(false);
  });

  it('needs the three VAPID variables together', () => {
    const found = problems({ VAPID_PUBLIC_KEY: `B${'A'.repeat(86)}` });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^VAPID_PRIVATE_KEY: required because VAPID_PUBLIC_KEY is set/);
    expect(found[1]).toMatch(/^VAPID_SUBJECT: required/);
    expect(problems({ VAPID_SUBJECT: 'http://example.com' })[0]).toMatch(/^VAPID_SUBJECT: must be a mailto: address/);
  });
});
