import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PGliteDialect, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { PGlite } from '@electric-sql/pglite';
import { migrations } from './migrations/index';
import { copyImage, openPGlite } from './pglite';
import { lockDirectory } from '../config/dir-lock';
import type { Database } from './schema';

export type Db = Kysely<Database>;

export interface InstanceDbLocation {
  /** A PostgreSQL connection string. */
  url?: string;
  /** Directory of an embedded PGlite database; in memory when neither is set. */
  dataDir?: string;
  /**
   * A new embedded database in memory starts as a copy of this image (see `migratedImage`) instead of
   * running initdb and every migration.
   */
  image?: () => Promise<Uint8Array>;
  /** The same for a data directory that holds no database yet: a folder to copy (see `migratedDirectory`). */
  imageDirectory?: () => Promise<string>;
}

/**
 * Calls `onNotify` on each NOTIFY on `channel` until the returned function is called. `onError`: the
 * listening connection broke (PostgreSQL); listen again for more.
 */
export type Listen = (channel: string, onNotify: () => void, onError: (err: Error) => void) => Promise<() => Promise<void>>;

/** An instance's open database, a way to listen to its notifications, and how to close it. */
export interface InstanceConnection {
  db: Db;
  listen: Listen;
  close(): Promise<void>;
}

/** An instance's database, migrated, and a way to listen to its notifications. */
export async function openInstanceConnection(location: InstanceDbLocation): Promise<InstanceConnection> {
  const connection = location.url ? openPostgres(location.url) : await openEmbedded(location);
  try {
    await migrate(connection.db);
  } catch (err) {
    await connection.close().catch(() => {});
    throw err;
  }
  return connection;
}

function openPostgres(url: string): InstanceConnection {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5_000 });
  // An idle client's error (e.g. the server went away) must not crash the process: the next query reports it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, listen: (channel, onNotify, onError) => listenOnPostgres(url, channel, onNotify, onError), close: () => db.destroy() };
}

async function openEmbedded({ dataDir, image, imageDirectory }: InstanceDbLocation): Promise<InstanceConnection> {
  // A database folder is one process's (config/dir-lock.ts): two PGlites on the same files corrupt them.
  const lock = dataDir ? lockDirectory(dataDir, 'an embedded database') : undefined;
  try {
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      if (imageDirectory && !existsSync(join(dataDir, 'PG_VERSION'))) await copyImage(await imageDirectory(), dataDir);
    }
    const pglite = await openPGlite(dataDir, !dataDir && image ? { image: await image() } : {});
    const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
    return {
      db,
      // PGlite delivers its own NOTIFYs to listeners in this process: it never breaks apart from closing.
      listen: (channel, onNotify) => pglite.listen(channel, onNotify),
      close: async () => {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}

/** LISTEN needs a connection of its own, outside the pool: it stays open as long as someone listens. */
async function listenOnPostgres(url: string, channel: string, onNotify: () => void, onError: (err: Error) => void): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  let closing = false;
  const close = async () => {
    closing = true;
    await client.end().catch(() => {});
  };
  const broke = (err: Error) => {
    if (closing) return;
    void close();
    onError(err);
  };
  client.on('notification', (message) => {
    if (message.channel === channel) onNotify();
  });
  client.on('error', broke);
  client.on('end', () => broke(new Error('the listening connection ended')));
  try {
    await client.connect();
    await client.query(`listen ${client.escapeIdentifier(channel)}`);
  } catch (err) {
    await close();
    throw err;
  }
  return close;
}

/**
 * An image of an empty, migrated embedded database, made from `bare` (see `bareImage`). Starting from
 * it takes a fraction of a fresh database's start (initdb and every migration), for processes that
 * open many in-memory ones (tests).
 */
export const migratedImage = (bare: Uint8Array): Promise<Uint8Array> => imageOf(bare, (pglite) => migrate(new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) })));

/** An image of an empty embedded database as initdb leaves it, before any migration: initdb costs about 3 CPU-seconds, run once per PGlite version. */
export const bareImage = (): Promise<Uint8Array> => imageOf(undefined, async () => {});

async function imageOf(from: Uint8Array | undefined, prepare: (pglite: PGlite) => Promise<void>): Promise<Uint8Array> {
  const pglite = await openPGlite(undefined, { image: from });
  try {
    await prepare(pglite);
    // Uncompressed: starting from it skips a gunzip of some 40 MB each time (a third of the start).
    return new Uint8Array(await (await pglite.dumpDataDir('none')).arrayBuffer());
  } finally {
    await pglite.close();
  }
}

/** Makes `dataDir` an empty migrated embedded database from `bare`, closed: a folder to copy new databases from. */
export async function migratedDirectory(dataDir: string, bare: Uint8Array): Promise<void> {
  const pglite = await openPGlite(dataDir, { image: bare });
  try {
    await migrate(new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) }));
  } finally {
    await pglite.close();
  }
}

export async function migrate(db: Db): Promise<void> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
}

/** Creates database `name` on the server of `adminUrl` unless it exists; returns its URL. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrl, max: 1 }) }) });
  try {
    const { rows } = await sql<{ exists: boolean }>`select exists(select 1 from pg_database where datname = ${name}) as exists`.execute(admin);
    if (!rows[0]?.exists) await sql`create database ${sql.id(name)}`.execute(admin);
  } finally {
    await admin.destroy();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const admin = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: adminUrl, max: 1 }) }) });
  try {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin);
  } finally {
    await admin.destroy();
  }
}
