import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { startDevServer, type DevServer } from '../devserver/index';
import { exchangeSearchAttributeKinds } from '../workflows/search-attributes';
import { connectionOptions } from '../config/temporal';
import { DirectoryInUseError } from '../config/dir-lock';
import type { Settings } from '../config/settings';

export interface TemporalHandles {
  address: string;
  client: Client;
  /** For workers (the Rust core's own connection). */
  native: NativeConnection;
  devServer?: DevServer;
  close(): Promise<void>;
}

/** Connects to TEMPORAL_ADDRESS, or starts the embedded dev server (state under DATA_DIR/temporal) and connects to it. */
export async function connectTemporal(settings: Settings, log: (msg: string) => void): Promise<TemporalHandles> {
  let devServer: DevServer | undefined;
  if (!settings.temporal.address) {
    devServer = await startDevServer({
      port: settings.devServerPort,
      uiPort: settings.devServerUiPort,
      retentionMs: settings.devServerRetentionMs,
      dataDir: join(settings.dataDir, 'temporal'),
      log,
    }).catch((err: Error) => {
      if (err instanceof DirectoryInUseError) throw new Error(`${err.message} (DATA_DIR)`);
      throw new Error(
        `could not start the embedded Temporal dev server on port ${settings.devServerPort} (${err.message}); ` +
          'set TEMPORAL_DEV_SERVER_PORT (and TEMPORAL_DEV_SERVER_UI_PORT, a port or off) to free ports, or TEMPORAL_ADDRESS to use a running Temporal server',
      );
    });
  }
  const address = settings.temporal.address ?? devServer!.address;
  const options = { address, ...connectionOptions(settings.temporal, { embedded: !!devServer }) };
  const connection = await Connection.connect(options);
  const native = await NativeConnection.connect(options);
  const client = new Client({ connection, namespace: settings.temporal.namespace });
  await ensureSearchAttributes(connection, settings.temporal.namespace);
  return {
    address,
    client,
    native,
    devServer,
    close: async () => {
      await connection.close();
      await native.close();
      await devServer?.close();
    },
  };
}

const { IndexedValueType } = proto.temporal.api.enums.v1;
const indexedTypes: Record<string, number> = {
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};

/**
 * Registers the exchange workflows' search attributes (operator service) unless the namespace has
 * them: a fresh cluster or dev server then accepts them, and an existing one is left alone.
 */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = Object.entries(exchangeSearchAttributeKinds).filter(([name]) => !(name in (customAttributes ?? {})));
  if (!missing.length) return;
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, kind]) => [name, indexedTypes[kind]])),
  });
}
