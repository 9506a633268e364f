import type { Tx } from './db/client.js';

/**
 * A module's part in an account's life: what it adds to `GET /api/v1/me/export` and what it
 * deletes when the account is deleted. Each module that keeps a user's rows builds one and hands
 * it to the users module when app.ts wires them, so the wiring shows every participant.
 */
export interface AccountPart {
  /** Named sections of the export (keys become top-level fields), yielded row by row. */
  readonly exportSections?: Readonly<Record<string, (userId: string) => AsyncIterable<unknown>>>;
  /** Deletes this module's rows of the user, inside the account-deletion transaction. */
  readonly deleteAccount?: (userId: string, tx: Tx) => Promise<void>;
}
