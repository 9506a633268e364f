import type { AddressInfo } from 'node:net';
import { createHabitualClient } from '@habitual/client';
import { describe, expect, it } from 'vitest';
import { setup } from '../helpers/setup.js';

describe('the generated client', () => {
  it('calls the running server with typed paths and responses', async () => {
    const { app } = await setup();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const client = createHabitualClient({ baseUrl: `http://127.0.0.1:${port}` });

    const ready = await client.GET('/health/ready');
    expect(ready.response.status).toBe(200);
    // `data` is typed from the spec: a wrong field name here would not compile.
    expect(ready.data?.checks.database.status).toBe('up');
    expect(ready.data?.status).toBe('ready');

    const live = await client.GET('/health/live', { headers: { 'x-request-id': 'client-test-1' } });
    expect(live.data?.status).toBe('ok');
    expect(live.response.headers.get('x-request-id')).toBe('client-test-1');
  });
});
