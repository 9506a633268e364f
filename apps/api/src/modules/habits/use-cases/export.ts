import { toCheckIn, toHabit } from '../mapping.js';
import type { UseCaseDeps } from './deps.js';

/** The user's habits and check-ins as sections of the account export, row by row. */
export function createExportUseCases(deps: Pick<UseCaseDeps, 'repo'>) {
  const { repo } = deps;
  return {
    async *exportHabits(userId: string) {
      for (const row of await repo.exportHabits(userId)) yield toHabit(row);
    },
    async *exportCheckIns(userId: string) {
      for (const row of await repo.exportCheckIns(userId)) yield toCheckIn(row);
    },
  };
}
