import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * - `pass`: relay bytes both ways.
 * - `blackhole`: accept connections and read their bytes, but forward nothing either way, as a
 *   vanished host or a NAT that dropped its state would (open connections stay open and silent).
 * - `reset`: destroy every open connection and reset new ones at once (a server that is down).
 * - `latency`: relay, delaying each chunk by `latencyMs`.
 */
export type FaultMode = 'pass' | 'blackhole' | 'reset' | 'latency';

export interface FaultProxy {
  readonly port: number;
  /** `postgres://...` with host and port replaced by the proxy's. */
  urlFor(target: string): string;
  mode(): FaultMode;
  set(mode: FaultMode, options?: { latencyMs?: number }): void;
  /** Client connections currently open through the proxy. */
  openConnections(): number;
  /** Chunks read and dropped while blackholed, since the proxy started. */
  droppedChunks(): number;
  close(): Promise<void>;
}

/** A TCP relay on an ephemeral loopback port in front of `target` (host:port), switchable at run time. */
export async function startFaultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
  let mode: FaultMode = 'pass';
  let latencyMs = 0;
  let dropped = 0;
  const pairs = new Set<{ client: Socket; upstream: Socket }>();

  const relay = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') {
        dropped++; // read and dropped, never forwarded
        return;
      }
      if (mode === 'latency' && latencyMs > 0) {
        from.pause();
        setTimeout(() => {
          if (!to.destroyed) to.write(chunk);
          from.resume();
        }, latencyMs);
        return;
      }
      if (!to.destroyed) to.write(chunk);
    });
  };

  const server: Server = createServer((client) => {
    if (mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    relay(client, upstream);
    relay(upstream, client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('fault proxy has no port');

  return {
    port: address.port,
    urlFor(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(address.port);
      return u.toString();
    },
    mode: () => mode,
    set(next, options = {}) {
      mode = next;
      latencyMs = options.latencyMs ?? 0;
      if (next === 'reset') {
        for (const { client, upstream } of pairs) {
          client.resetAndDestroy();
          upstream.destroy();
        }
        pairs.clear();
      }
    },
    openConnections: () => pairs.size,
    droppedChunks: () => dropped,
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
