// `npm start` (main.ts) in a child process that fault tests kill the hard way (SIGKILL), with what must
// outlive it: Temporal in a dev server process of its own with a data dir (or TEMPORAL_ADDRESS), and
// the databases, embedded PGlite on disk in DATA_DIR or, with DATABASE_URL, fresh databases of the
// test's own (npm start's default names would collide with other runs on a shared server).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { Client, Connection } from '@temporalio/client';
import { EntryProcess, freePort } from '../harness/entry-process';
import { DevServerProcess } from '../harness/devserver-process';
import { InstanceDatabases } from '../../db/instances';
import { dropDatabase, ensureDatabase } from '../../db/connect';
import { DEFAULT_INSTANCES, type InstanceConfig } from '../../config/instances';
import { connectionOptions, temporalSettingsFromEnv } from '../../config/temporal';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const databaseUrl = process.env.DATABASE_URL || undefined;
/** A real cluster keeps its own state; without one, a dev server child with a data dir. */
export const externalTemporal = process.env.TEMPORAL_ADDRESS || undefined;

/** A child's environment: this process's, without what each deployment sets itself, plus `vars`. */
export function childEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DATABASE_URL', 'INSTANCES_FILE', 'TEMPORAL_ADDRESS', 'TEMPORAL_DEV_SERVER_PORT', 'TEMPORAL_DEV_SERVER_UI_PORT', 'TEMPORAL_DEV_SERVER_RETENTION', 'DATA_DIR', 'PORT', 'HOST', 'TASK_QUEUE']) delete env[name];
  return {
    ...env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    OPS_TOKEN: `ops-${randomBytes(8).toString('hex')}`,
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...vars,
  };
}

/** Fresh databases of this test's own on DATABASE_URL, one per instance, and an instances file naming them. */
async function freshDatabases(dir: string, tag: string): Promise<{ file: string; configs: InstanceConfig[]; names: string[] }> {
  const prefix = `sx_${tag}_${randomBytes(4).toString('hex')}_`;
  const names = DEFAULT_INSTANCES.map((i) => `${prefix}${i.id}`);
  const configs = await Promise.all(DEFAULT_INSTANCES.map(async (i, n) => ({ ...i, databaseUrl: await ensureDatabase(databaseUrl!, names[n]) })));
  const file = join(dir, 'instances.json');
  writeFileSync(file, JSON.stringify({ instances: configs }));
  return { file, configs, names };
}

const tokenIn = (envFile: string, name: string) => {
  const token = new RegExp(`^export ${name}=(\\S+)`, 'm').exec(envFile)?.[1];
  if (!token) throw new Error(`no ${name} in demo-tokens.env:\n${envFile}`);
  return token;
};

export interface AllInOne {
  /** The `npm start` process: kill it, start it again. */
  process: EntryProcess;
  dir: string;
  baseUrl: string;
  tokens: { ann: string; bob: string };
  helpRequestItem: string;
  /** A client of the same Temporal (for workflow results, histories, pending activities). */
  client: Client;
  /**
   * The instances' databases, opened by this process: the caller closes them. Embedded PGlite is one
   * process's at a time: only while `process` is not running.
   */
  openDatabases(): Promise<InstanceDatabases>;
  close(): Promise<void>;
}

/** Starts Temporal (unless TEMPORAL_ADDRESS), the databases and `npm start` on a free port, with `env` added to its environment. */
export async function startAllInOne(tag: string, env: Record<string, string> = {}): Promise<AllInOne> {
  const dir = mkdtempSync(join(tmpdir(), `${tag}-`));
  let temporalServer: DevServerProcess | undefined;
  let connection: Connection | undefined;
  let child: EntryProcess | undefined;
  let fresh: Awaited<ReturnType<typeof freshDatabases>> | undefined;
  const close = async () => {
    await child?.kill();
    await connection?.close();
    await temporalServer?.kill();
    if (fresh) for (const name of fresh.names) await dropDatabase(databaseUrl!, name);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (!externalTemporal) {
      temporalServer = new DevServerProcess(await freePort(), join(dir, 'temporal'));
      await temporalServer.start();
    }
    const temporalAddress = externalTemporal ?? temporalServer!.address;
    const dataDir = join(dir, 'data');
    const port = await freePort();
    if (databaseUrl) fresh = await freshDatabases(dir, tag.replace(/\W/g, ''));
    child = new EntryProcess({
      name: 'npm start (main.ts)',
      entry: join(root, 'main.ts'),
      env: childEnv({
        DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_ADDRESS: temporalAddress,
        TASK_QUEUE: `service-exchange-${randomBytes(4).toString('hex')}`,
        ...(fresh ? { INSTANCES_FILE: fresh.file } : {}),
        ...env,
      }),
      readyLine: /^\[service-exchange\] ready$/m,
    });
    await child.start();
    const tokens = readFileSync(join(dataDir, 'demo-tokens.env'), 'utf8');
    const settings = temporalSettingsFromEnv();
    connection = await Connection.connect({ address: temporalAddress, ...connectionOptions(settings) });
    const baseUrl = `http://127.0.0.1:${port}`;
    const ann = tokenIn(tokens, 'ANN_TOKEN');
    const catalog = await request(`${baseUrl}/catalog`, { headers: { authorization: `Bearer ${ann}` } });
    const item = ((await catalog.body.json()) as { remote: Array<{ id: string; kind: string }> }).remote.find((i) => i.kind === 'help_request');
    const configs = fresh?.configs;
    return {
      process: child,
      dir,
      baseUrl,
      tokens: { ann, bob: tokenIn(tokens, 'BOB_TOKEN') },
      helpRequestItem: item!.id,
      client: new Client({ connection, namespace: settings.namespace }),
      openDatabases: () => (configs ? InstanceDatabases.open(configs) : InstanceDatabases.open(DEFAULT_INSTANCES, { dataDir })),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
