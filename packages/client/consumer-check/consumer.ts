// A frontend outside this repository, compiled against the packed @habitual/client.
// Every `@ts-expect-error` line is a misuse the types must reject: if one compiles, tsc reports
// the directive as unused and the check fails.
import { createHabitualClient, type Schemas } from '@habitual/client';

const api = createHabitualClient({ baseUrl: 'http://localhost:3000', bearerToken: 'token' });

export async function createReadingHabit(): Promise<string | undefined> {
  const body: Schemas['CreateHabit'] = { name: 'Read', frequency: { times: 3, days: 7 } };
  const { data, error } = await api.POST('/api/v1/habits', { body });
  if (error) return error.error.code;
  return data.name;
}

export async function misuses(): Promise<void> {
  // @ts-expect-error `title` is not a field of CreateHabit (it is `name`).
  await api.POST('/api/v1/habits', { body: { title: 'Read' } });
  // @ts-expect-error there is no such path.
  await api.GET('/api/v1/habitz');
  const { data } = await api.GET('/api/v1/me');
  // @ts-expect-error the profile has no `passwordHash`.
  console.log(data?.passwordHash);
}
