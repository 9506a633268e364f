import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { session, stripeEvents, verification } from '../../src/platform/db/schema.js';
import { runCleanup, STRIPE_EVENT_RETENTION_DAYS } from '../../src/platform/jobs/cleanup.js';
import { createMailOutbox } from '../../src/platform/mail/index.js';
import { mailOutbox } from '../../src/platform/mail/schema.js';
import { databaseKind, setup } from '../helpers/setup.js';
import { signUp } from '../helpers/users.js';
import { testJobs, testLogger } from './helpers.js';

const DAY = 86_400_000;

describe(`nightly cleanup on ${databaseKind}`, () => {
  it('deletes expired sessions and tokens, old Stripe event ids and old sent mail, and nothing else', async () => {
    const { app, database } = await setup();
    const { db } = database;
    const now = new Date();
    const user = await signUp(app);
    const [live] = await db.select().from(session).where(eq(session.userId, user.id));
    const expiredId = randomUUID();
    await db.insert(session).values({
      id: expiredId,
      token: randomUUID(),
      userId: user.id,
      expiresAt: new Date(now.getTime() - 1_000),
      updatedAt: now,
    });
    const tokens = [randomUUID(), randomUUID()];
    await db.insert(verification).values([
      { id: tokens[0] as string, identifier: 'old', value: 'x', expiresAt: new Date(now.getTime() - 1_000) },
      { id: tokens[1] as string, identifier: 'new', value: 'x', expiresAt: new Date(now.getTime() + DAY) },
    ]);
    const events = [`evt_${randomUUID()}`, `evt_${randomUUID()}`];
    const retention = STRIPE_EVENT_RETENTION_DAYS * DAY;
    await db.insert(stripeEvents).values([
      {
        id: events[0] as string,
        type: 't',
        stripeCreatedAt: now,
        processedAt: new Date(now.getTime() - retention - DAY),
      },
      {
        id: events[1] as string,
        type: 't',
        stripeCreatedAt: now,
        processedAt: new Date(now.getTime() - retention + DAY),
      },
    ]);
    const mail = (tag: string, status: 'sent' | 'pending' | 'failed', sentDaysAgo: number | null) => ({
      kind: 'test',
      to: `${tag}@example.com`,
      subject: 's',
      text: 't',
      dedupeKey: `${tag}-${randomUUID()}`,
      status,
      sentAt: sentDaysAgo === null ? null : new Date(now.getTime() - sentDaysAgo * DAY),
    });
    const rows = await db
      .insert(mailOutbox)
      .values([
        mail('old-sent', 'sent', 31),
        mail('new-sent', 'sent', 29),
        mail('failed', 'failed', null),
        mail('pending', 'pending', null),
      ])
      .returning({ id: mailOutbox.id, to: mailOutbox.to });

    const outbox = createMailOutbox({
      db,
      jobs: testJobs(database, { workers: false }),
      mailer: { send: async () => {} },
      logger: testLogger().logger,
    });
    const report = await runCleanup({
      db,
      logger: testLogger().logger,
      outboxRetentionDays: 30,
      deleteSentMailBefore: (cutoff) => outbox.deleteSentBefore(cutoff),
      now: () => now,
    });
    expect(report.expiredSessions).toBeGreaterThanOrEqual(1);
    expect(report.sentMail).toBeGreaterThanOrEqual(1);

    const sessions = await db.select({ id: session.id }).from(session).where(eq(session.userId, user.id));
    expect(sessions.map((s) => s.id)).toEqual([live?.id]);
    const leftTokens = await db
      .select({ id: verification.id })
      .from(verification)
      .where(inArray(verification.id, tokens));
    expect(leftTokens.map((t) => t.id)).toEqual([tokens[1]]);
    const leftEvents = await db
      .select({ id: stripeEvents.id })
      .from(stripeEvents)
      .where(inArray(stripeEvents.id, events));
    expect(leftEvents.map((e) => e.id)).toEqual([events[1]]);
    const leftMail = await db
      .select({ to: mailOutbox.to })
      .from(mailOutbox)
      .where(
        inArray(
          mailOutbox.id,
          rows.map((r) => r.id),
        ),
      );
    expect(leftMail.map((m) => m.to).sort()).toEqual([
      'failed@example.com',
      'new-sent@example.com',
      'pending@example.com',
    ]);
  });
});
