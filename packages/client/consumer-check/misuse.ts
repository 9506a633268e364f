// Misuses of @habitual/client that must NOT compile. check.mjs compiles this file against the
// packed tarball and requires, for every `// rejects TSnnnn: text` line, an error with that code
// and text in the lines up to the next marker, and no error anywhere else.
import { createHabitualClient, type Schemas } from '@habitual/client';
import { createHabitualHooks } from '@habitual/client/react';

const api = createHabitualClient({ baseUrl: 'http://localhost:3000' });
const hooks = createHabitualHooks(api);

export async function fetchClientMisuses(): Promise<void> {
  // rejects TS2322: Type 'string' is not assignable to type 'number'
  await api.POST('/api/v1/habits', { body: { name: 'Read', frequency: { times: '3', days: 7 } } });

  // rejects TS2322: Type '"finished"' is not assignable
  await api.PUT('/api/v1/habits/{habitId}/checkins/{date}', {
    params: { path: { habitId: 'h1', date: '2026-11-21' } },
    body: { status: 'finished' },
  });

  // openapi-fetch lets unknown fields of an inline body through (openapi-ts/openapi-typescript#2329),
  // leaving the typo to the server's 400; `satisfies` catches it, as docs/client.md advises.
  // rejects TS2353: 'title' does not exist in type
  await api.POST('/api/v1/habits', { body: { name: 'Read', title: 'Read' } satisfies Schemas['CreateHabit'] });

  // rejects TS2353: 'id' does not exist in type '{ habitId: string; }'
  await api.GET('/api/v1/habits/{habitId}', { params: { path: { id: 'h1' } } });

  // rejects TS2322: Type 'number' is not assignable to type 'string'
  await api.GET('/api/v1/habits/{habitId}', { params: { path: { habitId: 42 } } });

  // rejects TS2353: 'size' does not exist in type
  await api.GET('/api/v1/habits', { params: { query: { size: 5 } } });

  // rejects TS2345: Argument of type '"/api/v1/habitz"' is not assignable
  await api.GET('/api/v1/habitz', {});

  const { data } = await api.GET('/api/v1/me');
  // rejects TS2339: Property 'passwordHash' does not exist
  console.log(data?.passwordHash);
}

export function hookMisuses(): void {
  // rejects TS2353: 'id' does not exist in type '{ habitId: string; }'
  hooks.useQuery('get', '/api/v1/habits/{habitId}', { params: { path: { id: 'h1' } } });

  // rejects TS2322: Type 'number' is not assignable to type 'string'
  hooks.useMutation('post', '/api/v1/habits').mutate({ body: { name: 42 } });

  // rejects TS2561: 'colour' does not exist in type
  hooks.useMutation('post', '/api/v1/habits').mutate({ body: { name: 'Read', colour: '#ff0000' } });

  // rejects TS2345: Argument of type '"/api/v1/habitz"' is not assignable
  hooks.useQuery('get', '/api/v1/habitz', {});

  // rejects TS2339: Property 'items' does not exist
  console.log(hooks.useQuery('get', '/api/v1/habits').data?.items);
}
