import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { openMigratedPglite } from '../helpers/setup.js';

describe('the embedded database under concurrent statements', () => {
  it('lets the event loop turn between statements, so sockets are read and connections accepted meanwhile', async () => {
    // From the run's dump: an embedded database of its own without the seconds initdb takes.
    const database = await openMigratedPglite();
    try {
      // One count per turn of the loop, taken in the check phase like the statements' own starts.
      let turn = 0;
      let spinning = true;
      const spin = () => {
        turn++;
        if (spinning) setImmediate(spin);
      };
      setImmediate(spin);
      const statements = 20;
      const finishedIn = await Promise.all(
        Array.from({ length: statements }, (_, i) => database.rows(sql`select ${i}::int as n`).then(() => turn)),
      );
      spinning = false;
      // Queued together, PGlite alone would run all of them in one turn (its lock hands over in microtasks).
      expect(new Set(finishedIn).size).toBe(statements);
    } finally {
      await database.close();
    }
  });
});
