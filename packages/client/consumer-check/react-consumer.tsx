// A React app outside this repository, compiled against the packed @habitual/client/react with
// @tanstack/react-query installed beside it.
import { createHabitualClient, type Schemas } from '@habitual/client';
import { createHabitualHooks } from '@habitual/client/react';
import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query';

const api = createHabitualHooks(createHabitualClient({ baseUrl: 'http://localhost:3000', credentials: 'include' }));
const queryClient = new QueryClient();

function HabitList() {
  const { data, error, isPending } = api.useQuery('get', '/api/v1/habits', { params: { query: { limit: 50 } } });
  if (isPending) return <p>Loading…</p>;
  if (error) return <p>{error.error.message}</p>;
  return (
    <ul>
      {data.data.map((habit) => (
        <li key={habit.id}>{habit.name}</li>
      ))}
    </ul>
  );
}

function AllArchived() {
  const pages = api.useInfiniteQuery(
    'get',
    '/api/v1/habits',
    { params: { query: { archived: true } } },
    {
      pageParamName: 'cursor',
      initialPageParam: undefined,
      getNextPageParam: (page) => page.nextCursor ?? undefined,
    },
  );
  const count = pages.data?.pages.reduce((sum, page) => sum + page.data.length, 0) ?? 0;
  return <p>{count} archived</p>;
}

function NewHabit() {
  const queries = useQueryClient();
  const create = api.useMutation('post', '/api/v1/habits', {
    onSuccess: () => queries.invalidateQueries({ queryKey: ['get', '/api/v1/habits'] }),
  });
  const body: Schemas['CreateHabit'] = { name: 'Read', frequency: { times: 3, days: 7 } };
  return (
    <button type="button" onClick={() => create.mutate({ body })}>
      {create.data ? `Created ${create.data.name}` : 'Add'}
    </button>
  );
}

function CheckIn({ habitId }: { habitId: string }) {
  const write = api.useMutation('put', '/api/v1/habits/{habitId}/checkins/{date}');
  const day = '2026-11-21';
  return (
    <button
      type="button"
      onClick={() => write.mutate({ params: { path: { habitId, date: day } }, body: { status: 'done' } })}
    >
      Done
    </button>
  );
}

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <HabitList />
      <AllArchived />
      <NewHabit />
      <CheckIn habitId="00000000-0000-4000-8000-000000000000" />
    </QueryClientProvider>
  );
}
