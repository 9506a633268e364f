/**
 * The daily digest mail, from the statistics summary the insights module computes
 * (`InsightsSummary`): today's habits still due, streaks at risk, records reached.
 */
import type { InsightsSummary } from '@habitual/shared';

export interface DigestMail {
  subject: string;
  text: string;
}

/** The digest of one day; null when the user has no active habit (nothing to say). */
export function buildDigestMail(summary: InsightsSummary, appUrl: string): DigestMail | null {
  if (summary.habitCount === 0) return null;
  const due = summary.habits.filter((h) => !h.completedToday);
  const lines: string[] = [`Your habits for ${summary.today}`, ''];
  if (due.length === 0) {
    lines.push('Everything is done for today.');
  } else {
    lines.push(`Still to do today (${due.length} of ${summary.habitCount}):`);
    for (const h of due) lines.push(`  - ${h.name}${h.currentStreak > 0 ? ` (streak: ${h.currentStreak} days)` : ''}`);
  }
  if (summary.streaksAtRisk.length > 0) {
    lines.push('', 'Streaks at risk (check in today to keep them):');
    for (const s of summary.streaksAtRisk) lines.push(`  - ${s.name}: ${s.currentStreak} days`);
  }
  if (summary.recordsReached.length > 0) {
    lines.push('', 'New records:');
    for (const r of summary.recordsReached) {
      lines.push(`  - ${r.name}: ${r.streak} days in a row (best before: ${r.previousBest})`);
    }
  }
  lines.push(
    '',
    `Open Habitual: ${appUrl}/today`,
    '',
    'You get this mail because the daily digest is on in your settings.',
  );
  const subject =
    due.length === 0
      ? `All done for ${summary.today}`
      : `${due.length} habit${due.length === 1 ? '' : 's'} to do today`;
  return { subject, text: `${lines.join('\n')}\n` };
}
