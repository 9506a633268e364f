import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createJobs } from '../../src/platform/jobs/index.js';
import { mailOutbox } from '../../src/platform/mail/schema.js';
import { startFakeSmtp } from '../helpers/fake-smtp.js';
import { databaseKind, jobsDatabase, TEST_ENV } from '../helpers/setup.js';
import { randomIp, uniqueEmail } from '../helpers/users.js';
import { eventually, testLogger } from '../jobs/helpers.js';

// Apps with workers run on this file's own database (jobsDatabase), so no other file's workers take its jobs.
const apps: App[] = [];
const closeApps = () => Promise.allSettled(apps.splice(0).map((app) => app.close()));
afterAll(closeApps);

/** The real app with the real SMTP transport, pointed at a fake SMTP server on loopback. */
async function appWithSmtp(smtpUrl: string, env: Record<string, string> = {}) {
  const config = loadConfig({
    ...TEST_ENV,
    SMTP_URL: smtpUrl,
    WORKERS: 'on',
    JOBS_POLL_INTERVAL_SECONDS: '0.5',
    MAIL_RETRY_DELAY_SECONDS: '1',
    REQUIRE_EMAIL_VERIFICATION: 'true',
    ...env,
  });
  const { logger, logs } = testLogger();
  const database = await jobsDatabase();
  const app = await buildApp({ config, database, logger, docs: false });
  apps.push(app);
  await app.ready();
  return { app, database, logs };
}

const signUp = (app: App, email: string) =>
  app.inject({
    method: 'POST',
    url: '/api/auth/sign-up/email',
    remoteAddress: randomIp(),
    payload: { email, password: 'correct horse battery', name: 'Mail' },
  });

describe(`mail outbox on ${databaseKind}`, () => {
  it('sign-up while SMTP is down answers 200; the mail arrives once SMTP is back', async () => {
    const smtp = await startFakeSmtp();
    try {
      smtp.setDown(true);
      const { app, database } = await appWithSmtp(smtp.url);
      const email = uniqueEmail('smtp-down');
      const response = await signUp(app, email);
      expect(response.statusCode).toBe(200);

      // The first attempt meets the outage and is recorded; nothing was delivered.
      const [pending] = await eventually(async () => {
        const rows = await database.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
        return rows[0] && rows[0].attempts >= 1 ? rows : undefined;
      }, 'a failed first attempt');
      expect(pending?.status).toBe('pending');
      expect(pending?.lastError).toMatch(/421|not available/i);
      expect(smtp.received.filter((m) => m.to.includes(email))).toEqual([]);

      smtp.setDown(false);
      const mail = await smtp.waitFor((m) => m.to.includes(email), 45_000);
      expect(mail.subject).toBe('Confirm your email for Habitual');
      expect(mail.body).toContain('/api/auth/verify-email?token=');
      const [sent] = await eventually(async () => {
        const rows = await database.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
        return rows[0]?.status === 'sent' ? rows : undefined;
      }, 'the row marked sent');
      expect(sent?.sentAt).toBeInstanceOf(Date);
      expect(smtp.received.filter((m) => m.to.includes(email))).toHaveLength(1);
    } finally {
      await closeApps();
      await smtp.close();
    }
  });

  it('a mail that fails every retry is marked failed and listed for the operator; a retry delivers it', async () => {
    const smtp = await startFakeSmtp();
    try {
      smtp.setDown(true);
      const { app, database } = await appWithSmtp(smtp.url, { MAIL_RETRY_LIMIT: '1' });
      const email = uniqueEmail('smtp-dead');
      expect((await signUp(app, email)).statusCode).toBe(200);

      const [row] = await eventually(async () => {
        const rows = await database.db.select().from(mailOutbox).where(eq(mailOutbox.to, email));
        return rows[0]?.status === 'failed' ? rows : undefined;
      }, 'the mail to be marked failed');
      expect(row?.attempts).toBe(2);

      const operator = createJobs({ database, logger: testLogger().logger, workers: false });
      const listed = await eventually(
        async () =>
          (await operator.listFailed({ queue: 'mail:send' })).find((j) => (j.data as { id?: string }).id === row?.id),
        'the failed job in the list',
      );
      expect(listed.attempts).toBe(2);

      smtp.setDown(false);
      expect(await operator.retryFailed('mail:send', [listed.id])).toBe(1);
      await smtp.waitFor((m) => m.to.includes(email), 45_000);
      await eventually(async () => {
        const rows = await database.db
          .select()
          .from(mailOutbox)
          .where(eq(mailOutbox.id, row?.id as string));
        return rows[0]?.status === 'sent';
      }, 'the row marked sent');
      await operator.stop(1_000);
    } finally {
      await closeApps();
      await smtp.close();
    }
  });

  it('reports queue depth, job latency and failures in /metrics', async () => {
    const smtp = await startFakeSmtp();
    try {
      const { app } = await appWithSmtp(smtp.url, { METRICS: 'on' });
      const email = uniqueEmail('metrics');
      expect((await signUp(app, email)).statusCode).toBe(200);
      await smtp.waitFor((m) => m.to.includes(email), 45_000);
      const body = await eventually(async () => {
        const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        return /habitual_job_run_seconds_count\{queue="mail:send",outcome="completed"\} [1-9]/.test(text)
          ? text
          : undefined;
      }, 'the mail job in /metrics');
      expect(body).toMatch(/habitual_job_wait_seconds_count\{queue="mail:send"\} [1-9]/);
      expect(body).toContain('# TYPE habitual_jobs_queued gauge');
      expect(body).toContain('# TYPE habitual_job_failures_total counter');
    } finally {
      await closeApps();
      await smtp.close();
    }
  });
});
