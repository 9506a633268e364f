/**
 * `npm run billing:reconcile [-- --cancel-orphans]`: re-reads every subscription from Stripe and
 * repairs the stored state, for events missed beyond Stripe's retry window (3 days live). Safe to
 * run at any time and repeatedly (e.g. daily from cron): it writes only what differs, under the
 * same row locks as the webhook. Live subscriptions of deleted accounts are reported, and
 * cancelled only with `--cancel-orphans` (several environments may share one Stripe test account).
 * Also forgets event ids older than 30 days. Exits 1 when billing is not configured.
 */
import { ConfigError, loadConfig } from '../src/config.js';
import { createPayments } from '../src/modules/payments/index.js';
import { AppError } from '../src/platform/app-error.js';
import { openDatabase } from '../src/platform/db/open.js';
import { createLogger } from '../src/platform/logger.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== '--cancel-orphans');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}; the only option is --cancel-orphans`);
  const config = loadConfig();
  const log = createLogger(config);
  const database = await openDatabase(config);
  try {
    const payments = createPayments({ config, db: database.db, now: () => new Date(), log });
    if (!payments.billingEnabled) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'billing is not configured: set STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_PRICE_PRO_MONTHLY and STRIPE_PRICE_PRO_YEARLY',
      );
    }
    const started = performance.now();
    const report = await payments.reconcile({ cancelOrphans: args.includes('--cancel-orphans') });
    log.info({ ...report, ms: Math.round(performance.now() - started) }, 'billing reconciled');
    if (report.orphans.length > 0 && !args.includes('--cancel-orphans')) {
      log.warn(
        { orphans: report.orphans },
        'live subscriptions of deleted accounts: cancel them in the Stripe Dashboard, or run again with --cancel-orphans',
      );
    }
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof AppError) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    process.stderr.write(`Reconcile failed: ${err.message}${cause}\n`);
  } else process.stderr.write(`Reconcile failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
