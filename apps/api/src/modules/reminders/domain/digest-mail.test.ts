import type { InsightsSummary } from '@habitual/shared';
import { describe, expect, it } from 'vitest';
import { buildDigestMail } from './digest-mail.js';

type HabitLine = InsightsSummary['habits'][number];

function habit(name: string, overrides: Partial<HabitLine> = {}): HabitLine {
  return {
    habitId: `id-${name}`,
    name,
    type: 'boolean',
    score: 0.5,
    currentStreak: 0,
    bestStreak: 0,
    completedToday: false,
    bestWeekday: null,
    worstWeekday: null,
    trend: { last4Weeks: 0, previous4Weeks: 0, change: 0, direction: 'flat' },
    streakAtRisk: false,
    newRecord: false,
    ...overrides,
  } as HabitLine;
}

function summary(habits: HabitLine[], extra: Partial<InsightsSummary> = {}): InsightsSummary {
  return {
    today: '2026-11-30',
    timezone: 'Europe/Berlin',
    habitCount: habits.length,
    habits,
    streaksAtRisk: [],
    recordsReached: [],
    strongest: null,
    weakest: null,
    highlights: [],
    ...extra,
  };
}

describe('buildDigestMail', () => {
  it('lists the habits not completed today, the streaks at risk and the records', () => {
    const mail = buildDigestMail(
      summary(
        [
          habit('Gym', { currentStreak: 4, streakAtRisk: true }),
          habit('Read', { completedToday: true }),
          habit('Meditate', { currentStreak: 9, completedToday: true, newRecord: true }),
        ],
        {
          streaksAtRisk: [{ habitId: 'id-Gym', name: 'Gym', currentStreak: 4 }],
          recordsReached: [{ habitId: 'id-Meditate', name: 'Meditate', streak: 9, previousBest: 8 }],
        },
      ),
      'https://app.example.com',
    );
    expect(mail?.subject).toBe('1 habit to do today');
    expect(mail?.text).toBe(
      [
        'Your habits for 2026-11-30',
        '',
        'Still to do today (1 of 3):',
        '  - Gym (streak: 4 days)',
        '',
        'Streaks at risk (check in today to keep them):',
        '  - Gym: 4 days',
        '',
        'New records:',
        '  - Meditate: 9 days in a row (best before: 8)',
        '',
        'Open Habitual: https://app.example.com/today',
        '',
        'You get this mail because the daily digest is on in your settings.',
        '',
      ].join('\n'),
    );
  });

  it('says when everything is done, and sends nothing without habits', () => {
    const done = buildDigestMail(summary([habit('Read', { completedToday: true })]), 'https://app.example.com');
    expect(done?.subject).toBe('All done for 2026-11-30');
    expect(done?.text).toContain('Everything is done for today.');
    expect(buildDigestMail(summary([]), 'https://app.example.com')).toBeNull();
  });
});
