import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';

/** Where Temporal is. Names follow Temporal's own environment configuration (as the `temporal` CLI reads them). */
export interface TemporalSettings {
  /** host:port of a real cluster; unset means "start the embedded dev server". */
  address?: string;
  namespace: string;
  apiKey?: string;
  tls?: TLSConfig | boolean;
}

export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const certPath = env.TEMPORAL_TLS_CLIENT_CERT_PATH;
  const keyPath = env.TEMPORAL_TLS_CLIENT_KEY_PATH;
  const caPath = env.TEMPORAL_TLS_SERVER_CA_CERT_PATH;
  const wantsTls = env.TEMPORAL_TLS === 'true' || !!certPath || !!caPath || !!env.TEMPORAL_API_KEY;
  let tls: TemporalSettings['tls'];
  if (wantsTls) {
    tls =
      certPath || keyPath || caPath || env.TEMPORAL_TLS_SERVER_NAME
        ? {
            serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME || undefined,
            serverRootCACertificate: caPath ? readFileSync(caPath) : undefined,
            clientCertPair: certPath && keyPath ? { crt: readFileSync(certPath), key: readFileSync(keyPath) } : undefined,
          }
        : true;
  }
  return {
    address: env.TEMPORAL_ADDRESS || undefined,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tls,
  };
}

/**
 * Options for Connection.connect / NativeConnection.connect, minus the address. `embedded`: the server
 * is our own dev server, on loopback: there the worker connection's default gzip only costs CPU at both
 * ends (a zlib stream per request in the server), so its requests go uncompressed.
 */
export function connectionOptions(s: TemporalSettings, { embedded = false } = {}) {
  return { tls: s.tls, apiKey: s.apiKey, ...(embedded ? { grpcCompression: { codec: 'none' as const } } : {}) };
}
