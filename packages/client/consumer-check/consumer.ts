// A frontend outside this repository, compiled against the packed @habitual/client without React
// installed: the main entry point must need nothing but openapi-fetch.
// The misuses the types must reject are in misuse.ts.
import { createHabitualClient, type Schemas } from '@habitual/client';

const api = createHabitualClient({ baseUrl: 'http://localhost:3000', bearerToken: 'token' });

export async function createReadingHabit(): Promise<string | undefined> {
  const body: Schemas['CreateHabit'] = { name: 'Read', frequency: { times: 3, days: 7 } };
  const { data, error } = await api.POST('/api/v1/habits', { body });
  if (error) return error.error.code;
  return data.name;
}

export async function checkIn(habitId: string): Promise<string | undefined> {
  const { data } = await api.PUT('/api/v1/habits/{habitId}/checkins/{date}', {
    params: { path: { habitId, date: '2026-11-21' } },
    body: { status: 'done', note: 'before breakfast' },
  });
  return data?.checkIn.date;
}

// A browser app signed in with the session cookie sends no credential of its own.
export const browserApi = createHabitualClient({ baseUrl: 'https://api.example.com', credentials: 'include' });
