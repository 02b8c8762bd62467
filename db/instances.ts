import { join } from 'node:path';
import { dropDatabase, ensureDatabase, openInstanceConnection, type Db, type InstanceConnection, type InstanceDbLocation, type Listen } from './connect';
import { cachedMigratedImage, migratedImageDirectory } from './image-cache';
import { unknownInstance, type InstanceConfig } from '../config/instances';

export interface InstanceDatabasesOptions {
  /** Server-level PostgreSQL URL: each instance without its own URL gets database `<prefix><id>` there. */
  databaseUrl?: string;
  databasePrefix?: string;
  /** Where embedded (PGlite) databases live when there is no PostgreSQL URL; in memory when unset. */
  dataDir?: string;
  /**
   * New embedded databases in memory start from this image of a migrated one (`migratedImage`); by
   * default from the one cached under node_modules/.cache (db/image-cache.ts), made on first need.
   * New ones in `dataDir` are copies of the cached folder of the same database (`migratedImageDirectory`).
   */
  image?: () => Promise<Uint8Array>;
  /** Opens one instance's database (default `openInstanceConnection`); the tests reuse in-memory ones. */
  connect?: (location: InstanceDbLocation) => Promise<InstanceConnection>;
}

/** The PostgreSQL database of an instance that has no URL of its own: `<prefix><id>` on the server. */
export const instanceDatabaseName = (instance: string, prefix = 'service_exchange_') => `${prefix}${instance.replace(/-/g, '_')}`;

/** Drops the databases `open` created on `databaseUrl` with this prefix (fresh databases of a test or bench run). */
export async function dropInstanceDatabases(databaseUrl: string, instances: InstanceConfig[], prefix: string): Promise<void> {
  for (const inst of instances) await dropDatabase(databaseUrl, instanceDatabaseName(inst.id, prefix));
}

/** Every instance's database, opened and migrated. */
export class InstanceDatabases {
  private constructor(
    private readonly configs: Map<string, InstanceConfig>,
    private readonly connections: Map<string, InstanceConnection>,
  ) {}

  /** Test hook (fault injection): what `db(instance)` answers instead of the instance's own database. */
  private readonly substitutes = new Map<string, Db>();

  static async open(instances: InstanceConfig[], options: InstanceDatabasesOptions = {}): Promise<InstanceDatabases> {
    const connect = options.connect ?? openInstanceConnection;
    // Side by side: each embedded database starts on its own, and a server's round trips overlap.
    const opened = await Promise.allSettled(
      instances.map(async (inst) => {
        const url =
          inst.databaseUrl ??
          (options.databaseUrl ? await ensureDatabase(options.databaseUrl, instanceDatabaseName(inst.id, options.databasePrefix)) : undefined);
        return connect({
          url,
          dataDir: url || !options.dataDir ? undefined : join(options.dataDir, 'db', inst.id),
          image: options.image ?? cachedMigratedImage,
          imageDirectory: migratedImageDirectory,
        });
      }),
    );
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) {
      await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
      throw failed.reason;
    }
    const connections = new Map(instances.map((inst, i) => [inst.id, (opened[i] as PromiseFulfilledResult<InstanceConnection>).value]));
    return new InstanceDatabases(new Map(instances.map((i) => [i.id, i])), connections);
  }

  db(instance: string): Db {
    const connection = this.connections.get(instance);
    if (!connection) throw unknownInstance(instance);
    return this.substitutes.get(instance) ?? connection.db;
  }

  /** Listens to the instance's database notifications (LISTEN); see `Listen`. */
  listen(instance: string, ...args: Parameters<Listen>): ReturnType<Listen> {
    const connection = this.connections.get(instance);
    if (!connection) throw unknownInstance(instance);
    return connection.listen(...args);
  }

  /**
   * Test hook, never used by the service: until called again without `replace`, every `db(instance)`
   * answers `replace(original)` instead, e.g. a database that fails like one that is down, or one
   * that is slow. The original stays open (and is the one `close()` closes); the substitute is the
   * caller's to destroy.
   */
  substitute(instance: string, replace?: (original: Db) => Db): void {
    const original = this.connections.get(instance)?.db;
    if (!original) throw unknownInstance(instance);
    if (replace) this.substitutes.set(instance, replace(original));
    else this.substitutes.delete(instance);
  }

  config(instance: string): InstanceConfig {
    const config = this.configs.get(instance);
    if (!config) throw unknownInstance(instance);
    return config;
  }

  get ids(): string[] {
    return [...this.configs.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }
}
