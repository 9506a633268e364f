import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { LogCapture } from '../helpers/setup.js';

describe('logging', () => {
  it('writes JSON lines and redacts credentials, cookies, passwords and keys', () => {
    const capture = new LogCapture();
    const logger = createLogger({ LOG_LEVEL: 'info', NODE_ENV: 'production' }, capture.stream);
    logger.info(
      {
        req: {
          headers: { authorization: 'Bearer s3cr3t-token', cookie: 'session=abc123', 'x-api-key': 'hk_live_key' },
        },
        res: { headers: { 'set-cookie': 'session=abc123' } },
        body: { password: 'correct horse', apiKey: 'sk-user-key', token: 'tok_1' },
      },
      'hello',
    );
    const text = capture.text();
    for (const secret of ['s3cr3t-token', 'abc123', 'hk_live_key', 'correct horse', 'sk-user-key', 'tok_1']) {
      expect(text).not.toContain(secret);
    }
    expect(capture.lines[0]).toMatchObject({ level: 'info', msg: 'hello', service: 'habitual-api' });
    expect(capture.lines[0]?.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});
