import type { Database } from '../../../platform/db/client.js';
import type { HabitReadModel } from '../read-model.js';
import type { HabitsRepository } from '../repository.js';
import type { HabitLimits } from './plan-limit.js';

/** What the use cases are built from; each takes the part it needs (`Pick<UseCaseDeps, ...>`). */
export interface UseCaseDeps {
  db: Database;
  repo: HabitsRepository;
  /** The computed histories and their cache. */
  read: HabitReadModel;
  limits: HabitLimits;
  now: () => Date;
}
