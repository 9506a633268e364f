import createFetchClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };
/** Every named schema of the API, e.g. `Schemas['Error']`. */
export type Schemas = components['schemas'];
export type HabitualClient = Client<paths>;

export interface HabitualClientOptions extends ClientOptions {
  /** Sent as `Authorization: Bearer <token>` (mobile clients). */
  bearerToken?: string;
  /** Sent as `x-api-key` (integrations). */
  apiKey?: string;
}

/**
 * A typed client for the Habitual API: paths, parameters, bodies and responses are checked
 * against the generated OpenAPI types. Browsers can rely on the session cookie instead of
 * either credential (pass `credentials: 'include'`).
 */
export function createHabitualClient(options: HabitualClientOptions = {}): HabitualClient {
  const { bearerToken, apiKey, headers, ...rest } = options;
  const auth: Record<string, string> = {};
  if (bearerToken) auth.authorization = `Bearer ${bearerToken}`;
  if (apiKey) auth['x-api-key'] = apiKey;
  return createFetchClient<paths>({
    ...rest,
    headers: { ...auth, ...(headers as Record<string, string> | undefined) },
  });
}
