import createQueryClient, { type OpenapiQueryClient } from 'openapi-react-query';
import type { HabitualClient } from './index.js';
import type { paths } from './schema.js';

/**
 * TanStack Query hooks typed by the same spec as the fetch client: `useQuery`, `useSuspenseQuery`,
 * `useInfiniteQuery`, `useMutation` and `queryOptions`, each taking `(method, path, init)` exactly
 * like `client.GET(path, init)`.
 */
export type HabitualQueryHooks = OpenapiQueryClient<paths>;

/**
 * Wraps a client from `createHabitualClient` in TanStack Query hooks. Query keys are
 * `[method, path, init]`, so `queryClient.invalidateQueries({ queryKey: ['get', '/api/v1/habits'] })`
 * refreshes every page of the habit list.
 */
export function createHabitualHooks(client: HabitualClient): HabitualQueryHooks {
  return createQueryClient(client);
}
