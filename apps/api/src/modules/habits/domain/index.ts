/**
 * The habit domain: pure rules (no I/O) that reproduce Loop Habit Tracker's numbers.
 * See DESIGN §5 and the comments of each file for the decisions taken where DESIGN is silent.
 */

export type { CalendarDay } from './calendar-day.js';
export {
  addDays,
  daysInMonth,
  diffDays,
  fromDayNumber,
  isValidCalendarDay,
  isValidTimeZone,
  localToday,
  localTodayDayNumber,
  toDayNumber,
  weekday,
  weekdayOfDayNumber,
} from './calendar-day.js';
export type { CheckInInput, CheckInValues, RuleViolation } from './check-in-rules.js';
export {
  checkInValues,
  checkInViolation,
  dateRange,
  habitChangeViolation,
  rangeViolation,
  startDateViolation,
} from './check-in-rules.js';
export type { Frequency } from './frequency.js';
export {
  DAILY,
  frequencyRatio,
  isPerCalendarMonth,
  normalizeFrequency,
  scoreMultiplier,
  windowLength,
} from './frequency.js';
export type { HabitComputation, HabitSummary } from './habit-computation.js';
export { computeHabit, recomputeHabit, summarizeHabit } from './habit-computation.js';
export type {
  CheckIn,
  CheckInStatus,
  DayStatus,
  HabitDefinition,
  HabitHistory,
  HabitTarget,
  HabitType,
  HistoryDay,
  NormalizedHabit,
  TargetDirection,
} from './habit-history.js';
export { computeHistory, historyDays, meetsTarget, normalizeHabit, statusOn, valueOn } from './habit-history.js';
export { computeScores, computeScoresFrom, nextScore, scoreOn } from './habit-score.js';
export type { CalendarRow, HabitStats, HabitTotals, MonthCounts, StatsOptions, WeekdayCounts } from './habit-stats.js';
export { computeStats, MAX_STATS_RANGE_DAYS } from './habit-stats.js';
export type { Streak, StreakRuns } from './streaks.js';
export { bestStreaks, computeStreakRuns, currentStreak, isTodayOpen, listStreaks } from './streaks.js';
