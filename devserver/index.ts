import * as grpc from '@grpc/grpc-js';
import { VirtualClock } from './clock';
import { Engine } from './engine';
import { Journal } from './journal';
import { Compaction } from './journal-compaction';
import { Namespaces } from './namespaces';
import { addServices, createHandlers } from './grpc-server';
import { startHttpServer, type HttpServer } from './http-server';
import type { SearchAttributeKind } from './visibility-query';
import { TEMPORAL_UI_BUILD_DIR } from '../app/web-build';
import { lockDirectory } from '../config/dir-lock';

export interface DevServerOptions {
  /** Port to listen on; 0 picks a free one. Default 7233. */
  port?: number;
  host?: string;
  /**
   * Port of the HTTP API and the Temporal UI on the same host; 0 picks a free one, false serves
   * none. Default: the gRPC port + 1000 (8233 beside 7233), as `temporal server start-dev`.
   */
  uiPort?: number | false;
  /**
   * The Temporal UI's build served on that port (default temporal-ui/build, made by
   * app/web-build.ts: `ensureTemporalUiBuild()`); false: the HTTP API alone.
   */
  uiRoot?: string | false;
  /** Keep state in this directory so it survives a restart (even `kill -9`). In memory when unset. */
  dataDir?: string;
  /**
   * With a data dir: the journal's tail is compacted into a snapshot of the live state once it is
   * larger than this and than the last snapshot. Default 8 MiB.
   */
  compactAfterBytes?: number;
  /**
   * With a data dir: the bytes of recently written events kept in memory for all runs (what a sticky
   * worker is sent is read from here). Default 4 MiB; 0 reads every history from the journal's files.
   */
  historyCacheBytes?: number;
  /** Namespaces to create besides `default`. */
  namespaces?: string[];
  /**
   * Retention of the namespaces created at start (`default` and `namespaces`): closed runs are deleted
   * this long after they close. Default 24 h, as `temporal server start-dev`.
   */
  retentionMs?: number;
  /** Custom search attributes to register in every namespace created at start. */
  searchAttributes?: Record<string, SearchAttributeKind>;
  log?: (message: string) => void;
}

export interface DevServer {
  /** host:port, ready for TEMPORAL_ADDRESS or Connection.connect({ address }). */
  readonly address: string;
  readonly port: number;
  /** host:port of the HTTP port (Temporal's HTTP API under /api/v1), unless it is off. */
  readonly httpAddress?: string;
  /** http://host:port of the same port: the Temporal UI (when built) and the HTTP API under /api/v1. */
  readonly uiUrl?: string;
  close(): Promise<void>;
}

export const DEV_SERVER_VERSION = '1.29.0-service-exchange-dev';

/**
 * Starts the offline Temporal-compatible server in this process. It is for development and tests
 * only: production runs against a real Temporal cluster (set TEMPORAL_ADDRESS).
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const log = options.log ?? (() => {});
  // A data dir is one server's (config/dir-lock.ts): two appending to one journal would corrupt it.
  const lock = options.dataDir ? lockDirectory(options.dataDir, 'the embedded Temporal dev server') : undefined;
  const journal = options.dataDir ? new Journal(options.dataDir) : undefined;
  const clock = new VirtualClock(
    (err) => log(`timer callback failed: ${(err as Error)?.stack ?? err}`),
    (offset) => journal?.write([{ t: 'clock', offset }]),
  );
  const namespaces = new Namespaces((rec) => journal?.write([rec]), Object.entries(options.searchAttributes ?? {}), options.retentionMs);
  const engine = new Engine(clock, namespaces, journal, options.historyCacheBytes);
  const compaction = journal && new Compaction(journal, engine, engine.histories!, options.compactAfterBytes);
  const stopEngine = () => {
    engine.close();
    clock.close();
    journal?.close();
    lock?.release();
  };
  try {
    engine.recover();
    for (const name of ['default', ...(options.namespaces ?? [])]) namespaces.ensureDefault(name);
    engine.retention.start();
  } catch (err) {
    stopEngine();
    throw err;
  }

  const services = createHandlers(engine, DEV_SERVER_VERSION);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 128 * 1024 * 1024,
    'grpc.max_send_message_length': 128 * 1024 * 1024,
  });
  addServices(server, services, log);
  const host = options.host ?? '127.0.0.1';
  const grpcPort = options.port ?? 7233;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${grpcPort}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
  } catch (err) {
    stopEngine();
    throw err;
  }
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const uiPort = options.uiPort ?? (grpcPort === 0 ? 0 : grpcPort + 1000);
  let http: HttpServer | undefined;
  if (uiPort !== false) {
    http = await startHttpServer({ host, port: uiPort, services, grpcAddress: address, uiRoot: options.uiRoot === false ? undefined : (options.uiRoot ?? TEMPORAL_UI_BUILD_DIR), log }).catch((err: Error) => {
      server.forceShutdown();
      stopEngine();
      throw new Error(`HTTP port ${uiPort}: ${err.message}`);
    });
  }
  // Runs past their retention were dropped at start: a large tail of them is compacted away now.
  compaction?.start();
  log(
    `Temporal dev server listening on ${address}${options.dataDir ? ` (state in ${options.dataDir})` : ' (in memory)'}` +
      (http ? `, Temporal UI on ${http.url} and HTTP API under /api/v1` : ''),
  );
  return {
    address,
    port,
    httpAddress: http?.address,
    uiUrl: http?.url,
    close: async () => {
      // The HTTP port first: its long polls end with it instead of waiting on a closing engine.
      await http?.close();
      engine.close();
      clock.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      server.forceShutdown();
      compaction?.close();
      journal?.close();
      lock?.release();
    },
  };
}
