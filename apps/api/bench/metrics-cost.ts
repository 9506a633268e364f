/**
 * What metrics add to one request, measured on the work itself (end-to-end req/s on a shared
 * machine swings more than the effect): `node --conditions=@habitual/source --import tsx
 * bench/metrics-cost.ts`. Times the request observation (the onResponse hook's work) plus one
 * statement observation, which is what a warm GET /api/v1/today adds when METRICS=on, and
 * Fastify's cost of running one more onResponse hook.
 */
import Fastify from 'fastify';
import { openPglite } from '../src/platform/db/client.js';
import { Metrics } from '../src/platform/metrics.js';

const N = Number(process.env.N ?? 2_000_000);
const database = await openPglite('memory');
const metrics = new Metrics(database);
const observer = database.stats.observer;
if (!observer) throw new Error('the metrics did not attach to the database');
const routes = ['/api/v1/today', '/api/v1/habits', '/api/v1/habits/:habitId', '/api/v1/me'];

function observations(): number {
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    metrics.observeRequest('GET', routes[i & 3] as string, 200, 0.004);
    observer?.(0.0008, null);
  }
  return ((performance.now() - started) * 1e6) / N;
}

/** ns per injected request of a constant route, with or without one more onResponse hook. */
async function hookCost(withHook: boolean): Promise<number> {
  const app = Fastify();
  if (withHook)
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, 0.001);
      done();
    });
  app.get('/', async () => ({ ok: true }));
  await app.ready();
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) await app.inject({ method: 'GET', url: '/' });
  await app.close();
  return ((performance.now() - started) * 1e6) / n;
}

observations();
const perRequest = Math.min(observations(), observations(), observations());
await hookCost(false);
await hookCost(true);
const without: number[] = [];
const withHook: number[] = [];
for (let r = 0; r < 9; r++) {
  without.push(await hookCost(false));
  withHook.push(await hookCost(true));
}
const fastest = (a: number[]) => Math.min(...a);
process.stdout.write(
  `request + statement observation: ${perRequest.toFixed(0)} ns; injected constant route: ${(fastest(without) / 1000).toFixed(1)} µs without the hook, ${(fastest(withHook) / 1000).toFixed(1)} µs with it (fastest of 9 alternating rounds: the least disturbed by other load)\n`,
);
metrics.close();
await database.close();
