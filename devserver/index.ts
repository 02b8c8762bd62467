import * as grpc from '@grpc/grpc-js';
import { VirtualClock } from './clock';
import { Engine } from './engine';
import { Journal } from './journal';
import { Namespaces } from './namespaces';
import { addServices, createHandlers } from './grpc-server';
import type { SearchAttributeKind } from './visibility-query';

export interface DevServerOptions {
  /** Port to listen on; 0 picks a free one. Default 7233. */
  port?: number;
  host?: string;
  /** Keep state in this directory so it survives a restart (even `kill -9`). In memory when unset. */
  dataDir?: string;
  /** Namespaces to create besides `default`. */
  namespaces?: string[];
  /** Custom search attributes to register in every namespace created at start. */
  searchAttributes?: Record<string, SearchAttributeKind>;
  log?: (message: string) => void;
}

export interface DevServer {
  /** host:port, ready for TEMPORAL_ADDRESS or Connection.connect({ address }). */
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export const DEV_SERVER_VERSION = '1.29.0-service-exchange-dev';

/**
 * Starts the offline Temporal-compatible server in this process. It is for development and tests
 * only: production runs against a real Temporal cluster (set TEMPORAL_ADDRESS).
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? (() => {});
  const journal = options.dataDir ? new Journal(options.dataDir) : undefined;
  const clock = new VirtualClock((err) => log(`timer callback failed: ${(err as Error)?.stack ?? err}`));
  const namespaces = new Namespaces((rec) => journal?.write([rec]), Object.entries(options.searchAttributes ?? {}));
  const engine = new Engine(clock, namespaces, journal);
  engine.recover();
  for (const name of ['default', ...(options.namespaces ?? [])]) namespaces.ensureDefault(name);

  const server = new grpc.Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  addServices(server, createHandlers(engine, DEV_SERVER_VERSION), log);
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 7233}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  log(`Temporal dev server listening on ${address}${options.dataDir ? ` (state in ${options.dataDir})` : ' (in memory)'}`);
  return {
    address,
    port,
    close: async () => {
      engine.close();
      clock.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      journal?.close();
    },
  };
}
