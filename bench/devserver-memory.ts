// `node --expose-gc bin/run.mjs bench/devserver-memory.ts [--open 2000] [--in-memory]`: what a parked
// open run costs the dev server. The dev server runs alone in a child process (bench/devserver-child.ts,
// with a data dir unless --in-memory); this process starts the runs and its worker, so only the
// server's memory is measured.
// --heap-snapshots <dir> also writes the server's heap before and after (compare them in DevTools).
// Each run is a conformance `counter` that took 4 signals (2 KB each) and 2 updates (about 30
// events, close to a request's history) and waits for more; its worker keeps 100 runs cached.
//
// `--closed 100000 [--retention 30s]`: the same runs, each then finished, through a server that keeps
// closed runs for the retention only: its memory once they are all deleted against before them, its
// data dir, and how long a restart on that data dir takes. With `--exchange` the closed runs are the
// service's own requests: the whole service (API, worker, both databases: bench/stack.ts) runs in this
// process on that server, and each request is submitted, assigned, resolved and accepted over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { cachedWorkflowBundle } from '../app/workflow-bundle';
import { PROJECT_ROOT } from '../config/build-cache';
import { parseDuration } from '../devserver/retention';
import { startBenchStack } from './stack';
import { ApiClient } from './client';
import { ReplicationWatcher } from './replication';
import { Recorder } from './stats';
import { httpLifecycle } from './workloads';
import type { Usage } from './devserver-child';

const { values } = parseArgs({
  options: {
    retention: { type: 'string' },
    open: { type: 'string', default: '2000' },
    closed: { type: 'string' },
    'in-memory': { type: 'boolean' },
    exchange: { type: 'boolean' },
    'heap-snapshots': { type: 'string' },
  },
});
const TEN_YEARS = 3650 * 86_400_000;
const retentionMs = values.retention === undefined ? undefined : parseDuration(values.retention);
if (values.retention !== undefined && !retentionMs) throw new Error(`--retention takes a duration such as 30s or 5m, got "${values.retention}"`);

if (values.closed !== undefined) await driveClosed(Number(values.closed), retentionMs ?? 30_000, values.exchange ? exchangeDriver : conformanceDriver);
else await drive(Number(values.open), !values['in-memory'], values['heap-snapshots']);

function ask<T>(child: ChildProcess, msg?: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (msg) child.send(msg);
  });
}

/** The dev server in a child process of its own, answering once it is ready. */
async function spawnServer(dataDir: string | undefined, retentionMs: number) {
  const entry = fileURLToPath(new URL('./devserver-child.ts', import.meta.url));
  const spawned = performance.now();
  const child = spawn(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'bin', 'run.mjs'), entry, dataDir ?? '', String(retentionMs)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  const { address, startMs } = await ask<{ address: string; startMs: number }>(child);
  return { child, address, startMs, readyMs: Math.round(performance.now() - spawned) };
}

async function closeServer(child: ChildProcess): Promise<void> {
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** What drives runs through the server: `runAll` makes them, `within` runs its work while a worker serves them. */
interface Driver {
  client: Client;
  /** Histories measured (every run's, or a sample of them) and their events and encoded bytes. */
  counted: { runs: number; historyBytes: number; events: number };
  runAll(prefix: string, n: number, finish: boolean, concurrency?: number, progress?: (done: number) => void): Promise<void>;
  within<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `n` calls of `run`, `concurrency` at a time; `progress` is told of each thousandth. */
async function inParallel(n: number, concurrency: number, run: (i: number) => Promise<void>, progress?: (done: number) => void): Promise<void> {
  let next = 0;
  let done = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        await run(next++);
        if (++done % 1000 === 0) progress?.(done);
      }
    }),
  );
}

/** A client and a worker of the conformance workflows on the server, and the runs they make. */
async function conformanceDriver(address: string): Promise<Driver> {
  const client = new Client({ connection: await Connection.connect({ address }) });
  const workflows = join(PROJECT_ROOT, 'test', 'workflows');
  const bundle = await cachedWorkflowBundle('conformance-workflows', join(workflows, 'index.ts'), [workflows, join(PROJECT_ROOT, 'package-lock.json')]);
  const taskQueue = 'memory';
  const worker = await Worker.create({ connection: await NativeConnection.connect({ address }), taskQueue, workflowBundle: { code: bundle }, maxCachedWorkflows: 100 });
  const padding = 'x'.repeat(2048);
  const counted = { runs: 0, historyBytes: 0, events: 0 };
  /** A `counter` run given 4 signals and 2 updates; `finish`: then ended, and its result awaited. */
  const run = async (id: string, finish: boolean) => {
    const h = await client.workflow.start('counter', { taskQueue, workflowId: id });
    for (let i = 0; i < 4; i++) await h.signal('add', `${i}${padding}`);
    for (let i = 0; i < 2; i++) await h.executeUpdate('increment', { args: [1] });
    if (finish) {
      await h.signal('finish');
      await h.result();
    }
    const history = await h.fetchHistory();
    count(counted, history);
  };
  return {
    client,
    counted,
    runAll: (prefix, n, finish, concurrency = 20, progress) => inParallel(n, concurrency, (i) => run(`${prefix}-${i}`, finish), progress),
    within: (work) => worker.runUntil(work),
    close: async () => {},
  };
}

/**
 * The whole service in this process on the server (TEMPORAL_ADDRESS), and its requests: each one
 * submitted, assigned, resolved and accepted over HTTP, so its workflow closes. One history in a
 * hundred is measured: a request closed a moment ago (all of them take the same steps).
 */
async function exchangeDriver(address: string): Promise<Driver> {
  process.env.TEMPORAL_ADDRESS = address;
  const stack = await startBenchStack((msg) => console.error(`[devserver-memory]   ${msg}`));
  const ctx = { stack, api: new ApiClient(stack.origin, 100), watcher: new ReplicationWatcher(stack.instances, 5), rec: new Recorder() };
  const client = stack.temporal.client;
  const counted = { runs: 0, historyBytes: 0, events: 0 };
  const run = async (i: number) => {
    await httpLifecycle(ctx, 0);
    if (i % 100 !== 0) return;
    for await (const wf of client.workflow.list({ query: `WorkflowType = 'exchange' AND ExecutionStatus = 'Completed'`, pageSize: 1 })) {
      count(counted, await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory());
      break;
    }
  };
  return {
    client,
    counted,
    runAll: (_prefix, n, _finish, concurrency = 40, progress) => inParallel(n, concurrency, run, progress),
    within: (work) => work(),
    close: () => stack.close(),
  };
}

function count(counted: Driver['counted'], history: proto.temporal.api.history.v1.IHistory): void {
  counted.runs++;
  counted.historyBytes += proto.temporal.api.history.v1.History.encode(history).finish().byteLength;
  counted.events += history.events?.length ?? 0;
}

async function drive(open: number, onDisk: boolean, snapshots?: string): Promise<void> {
  const dataDir = onDisk ? mkdtempSync(join(tmpdir(), 'devserver-memory-')) : undefined;
  const { child, address } = await spawnServer(dataDir, TEN_YEARS);
  const { within, counted, runAll } = await conformanceDriver(address);
  const report = await within(async () => {
    await runAll('warm', 200, false);
    const measure = (name: string) => ask<Usage>(child, snapshots ? `measure ${join(snapshots, `${name}.heapsnapshot`)}` : 'measure');
    const before = await measure('before');
    Object.assign(counted, { runs: 0, historyBytes: 0, events: 0 });
    await runAll('open', open, false);
    const after = await measure('after');
    const per = (k: keyof Usage) => Math.round((after[k] - before[k]) / open);
    return {
      mode: onDisk ? 'data dir' : 'in memory',
      open,
      eventsPerRun: Math.round(counted.events / counted.runs),
      encodedHistoryBytesPerRun: Math.round(counted.historyBytes / counted.runs),
      heapUsedBytesPerRun: per('heapUsed'),
      arrayBufferBytesPerRun: per('arrayBuffers'),
      // What the process took from the system: the heap's high-water mark, not only what it holds now.
      heapTotalBytesPerRun: per('heapTotal'),
      rssBytesPerRun: per('rss'),
      heapUsedMiB: { before: mib(before.heapUsed), after: mib(after.heapUsed) },
      dataDirBytes: dataDir ? dirBytes(dataDir) : undefined,
    };
  });
  console.log(JSON.stringify(report, null, 2));
  await closeServer(child);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/**
 * `closed` runs through a server with a data dir that keeps closed runs for `retentionMs`: its memory
 * once retention has deleted them against its memory before them, then a restart on that data dir.
 */
async function driveClosed(closed: number, retentionMs: number, driver: (address: string) => Promise<Driver>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'devserver-closed-'));
  const first = await spawnServer(dataDir, retentionMs);
  const { client, within, counted, runAll, close } = await driver(first.address);
  const say = (msg: string) => console.error(`[devserver-memory] ${msg}`);
  /** Until retention has deleted every closed run (its visibility record goes with it). */
  const allDeleted = async () => {
    while ((await client.workflow.count('')).count > 0) await new Promise((r) => setTimeout(r, 1000));
  };
  const report = await within(async () => {
    await runAll('warm', 500, true);
    await allDeleted();
    const before = await ask<Usage>(first.child, 'measure');
    const dataDirBefore = dirBytes(dataDir);
    Object.assign(counted, { runs: 0, historyBytes: 0, events: 0 });
    const began = performance.now();
    say(`${closed} runs, each closed, then kept ${retentionMs / 1000} s...`);
    // About twenty progress lines, each on a thousand.
    const every = Math.max(1000, Math.round(closed / 20_000) * 1000);
    await runAll('closed', closed, true, 40, (done) => {
      if (done % every === 0) say(`${done} of ${closed} closed (${Math.round(done / ((performance.now() - began) / 1000))}/s)`);
    });
    const seconds = (performance.now() - began) / 1000;
    say('waiting for retention to delete them...');
    await allDeleted();
    const after = await ask<Usage>(first.child, 'measure');
    return {
      closed,
      retentionSeconds: retentionMs / 1000,
      runsPerSecond: Math.round(closed / seconds),
      historiesMeasured: counted.runs,
      eventsPerRun: Math.round(counted.events / counted.runs),
      encodedHistoryBytesPerRun: Math.round(counted.historyBytes / counted.runs),
      heapUsedMiB: { before: mib(before.heapUsed), after: mib(after.heapUsed) },
      arrayBuffersMiB: { before: mib(before.arrayBuffers), after: mib(after.arrayBuffers) },
      rssMiB: { before: mib(before.rss), after: mib(after.rss) },
      dataDirBytes: { before: dataDirBefore, after: dirBytes(dataDir) },
    };
  });
  await close();
  await closeServer(first.child);
  const restart = await spawnServer(dataDir, retentionMs);
  console.log(JSON.stringify({ ...report, restart: { startDevServerMs: restart.startMs, processReadyMs: restart.readyMs } }, null, 2));
  await closeServer(restart.child);
  rmSync(dataDir, { recursive: true, force: true });
}

// Declarations, not consts: the top-level awaits above run before this line is reached.
function mib(bytes: number): number {
  return +(bytes / 2 ** 20).toFixed(1);
}
function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}
