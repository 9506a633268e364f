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

// Node (a script, a server-rendered app): sign in once, then send the token as a bearer token.
export async function signedInClient(email: string, password: string) {
  const { response, error } = await createHabitualClient({ baseUrl: 'http://localhost:3000' }).POST(
    '/api/auth/sign-in/email',
    { body: { email, password } },
  );
  const token = response.headers.get('set-auth-token');
  if (error || !token) throw new Error(`sign-in failed: ${error?.error.code ?? response.status}`);
  return createHabitualClient({ baseUrl: 'http://localhost:3000', bearerToken: token });
}

// A browser app signed in with the session cookie sends no credential of its own.
export const browserApi = createHabitualClient({ baseUrl: 'https://api.example.com', credentials: 'include' });
