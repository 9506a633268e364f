/**
 * The habits part of `npm run bench`: a user with 20 habits and three years of daily history,
 * written through the API (batch check-ins), then the endpoints the app calls most.
 */

const HABITS = 20;
const YEARS = 3;

export interface HabitScenario {
  name: string;
  path: string;
  init: {
    headers: Record<string, string>;
    requests?: Array<{
      method: string;
      path: string;
      headers?: Record<string, string>;
      body?: string;
      setupRequest?: unknown;
    }>;
  };
}

function day(offset: number): string {
  return new Date(Date.now() - offset * 86_400_000).toISOString().slice(0, 10);
}

async function call(base: string, cookie: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { cookie, 'content-type': 'application/json', origin: base },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ id: string }>;
}

/** PUTs sent so far (measured alone, and in the mix): each continues alternating the content. */
let n = 0;
let m = 0;

/** Seeds 20 habits with three years of history (about 22,000 check-ins) through the API; returns their ids. */
export async function seedHabits(base: string, cookie: string): Promise<string[]> {
  const days = YEARS * 365;
  const ids: string[] = [];
  for (let i = 0; i < HABITS; i++) {
    const kind = i % 4;
    const habit = await call(base, cookie, 'POST', '/api/v1/habits', {
      name: `Habit ${i + 1}`,
      startDate: day(days - 1),
      ...(kind === 1 ? { frequency: { times: 3, days: 7 } } : {}),
      ...(kind === 2 ? { frequency: { times: 1, days: 3 } } : {}),
      ...(kind === 3
        ? {
            type: 'measurable',
            frequency: { times: 1, days: 7 },
            target: { value: 20, unit: 'km', direction: 'at_least' },
          }
        : {}),
    });
    ids.push(habit.id);
  }
  const entries: unknown[] = [];
  ids.forEach((habitId, i) => {
    for (let d = days - 1; d >= 0; d--) {
      // A realistic mix: most days done, some skipped or missed, some never entered.
      const r = (d * 7 + i * 13) % 10;
      if (r === 9) continue;
      const date = day(d);
      if (i % 4 === 3) entries.push({ habitId, date, ...(r === 8 ? { status: 'skipped' } : { value: r + 0.5 }) });
      else entries.push({ habitId, date, status: r === 8 ? 'skipped' : r === 7 ? 'missed' : 'done' });
    }
  });
  for (let k = 0; k < entries.length; k += 500) {
    await call(base, cookie, 'POST', '/api/v1/checkins/batch', { checkIns: entries.slice(k, k + 500) });
  }
  return ids;
}

/**
 * The endpoints the app calls most, for the seeded user. `cold` (a server with HABIT_CACHE_SIZE=0):
 * only the reads and writes whose cost the cache carries.
 */
export function habitScenarios(ids: readonly string[], cookie: string, cold = false): HabitScenario[] {
  const headers = { cookie };
  /** A PUT of today's entry, round-robin over the habits, alternating the content (so each one is a change). */
  const put = (counter: () => number) => (request: Record<string, unknown>) => {
    const k = counter();
    const i = k % HABITS;
    const round = Math.floor(k / HABITS);
    const body = i % 4 === 3 ? { value: (round % 30) + 0.5 } : { status: round % 2 === 0 ? 'done' : 'skipped' };
    return {
      ...request,
      path: `/api/v1/habits/${ids[i]}/checkins/${day(0)}`,
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    };
  };
  const suffix = cold ? ', caches off' : '';
  const all: HabitScenario[] = [
    {
      name: `GET /api/v1/today (${HABITS} habits, ${YEARS} years of history)`,
      path: '/api/v1/today',
      init: { headers },
    },
    { name: 'GET /api/v1/habits (page of 20)', path: '/api/v1/habits?limit=20', init: { headers } },
    {
      name: 'GET /api/v1/habits/{id}/calendar (one year)',
      path: `/api/v1/habits/${ids[0]}/calendar?from=${day(364)}&to=${day(0)}`,
      init: { headers },
    },
    {
      name: 'GET /api/v1/habits/{id}/stats (one year)',
      path: `/api/v1/habits/${ids[1]}/stats?from=${day(364)}&to=${day(0)}`,
      init: { headers },
    },
    {
      name: 'PUT /api/v1/habits/{id}/checkins/{date} (round-robin over the habits)',
      path: '/',
      init: {
        headers,
        requests: [
          {
            method: 'PUT',
            path: '/',
            setupRequest: put(() => n++),
          },
        ],
      },
    },
    {
      // What a busy instance sees: home screens, lists and check-ins interleaved on every connection.
      name: 'mixed: GET /today, GET /habits, PUT check-in in turn',
      path: '/',
      init: {
        headers,
        requests: [
          { method: 'GET', path: '/api/v1/today' },
          { method: 'GET', path: '/api/v1/habits?limit=20' },
          { method: 'PUT', path: '/', setupRequest: put(() => m++) },
        ],
      },
    },
  ];
  if (!cold) return all;
  return all
    .filter((s) => /^GET \/api\/v1\/(today|habits \()|^PUT/.test(s.name))
    .map((s) => ({ ...s, name: `${s.name}${suffix}` }));
}
