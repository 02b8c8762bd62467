// `node --expose-gc bin/run.mjs bench/devserver-memory.ts [--open 2000] [--in-memory]`: what a parked
// open run costs the dev server. The dev server runs alone in a child process (with a data dir unless
// --in-memory); this process starts the runs and its worker, so only the server's memory is measured.
// --heap-snapshots <dir> also writes the server's heap before and after (compare them in DevTools).
// Each run is a conformance `counter` that took 4 signals (2 KB each) and 2 updates (about 40
// events, close to a request's history) and waits for more; its worker keeps 100 runs cached.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import proto from '@temporalio/proto';
import { cachedWorkflowBundle } from '../app/workflow-bundle';
import { PROJECT_ROOT } from '../config/build-cache';
import { startDevServer } from '../devserver/index';

interface Usage {
  heapUsed: number;
  heapTotal: number;
  arrayBuffers: number;
  rss: number;
}

const { values } = parseArgs({ options: { serve: { type: 'string' }, open: { type: 'string', default: '2000' }, 'in-memory': { type: 'boolean' }, 'heap-snapshots': { type: 'string' } } });

if (values.serve !== undefined) await serve(values.serve || undefined);
else await drive(Number(values.open), !values['in-memory'], values['heap-snapshots']);

/** The child: a dev server that answers `measure` with its memory after a full GC. */
async function serve(dataDir: string | undefined): Promise<void> {
  const server = await startDevServer({ port: 0, uiPort: false, dataDir, retentionMs: 3650 * 86_400_000 });
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  process.on('message', (msg) => {
    if (typeof msg === 'string' && msg.startsWith('measure')) {
      for (let i = 0; i < 3; i++) gc();
      const m = process.memoryUsage();
      const [, snapshot] = msg.split(' ');
      if (snapshot) writeHeapSnapshot(snapshot);
      process.send!({ heapUsed: m.heapUsed, heapTotal: m.heapTotal, arrayBuffers: m.arrayBuffers, rss: m.rss } satisfies Usage);
    } else if (msg === 'close') void server.close().then(() => process.exit(0));
  });
  process.send!({ address: server.address });
}

function ask<T>(child: ChildProcess, msg?: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    if (msg) child.send(msg);
  });
}

async function drive(open: number, onDisk: boolean, snapshots?: string): Promise<void> {
  const dataDir = onDisk ? mkdtempSync(join(tmpdir(), 'devserver-memory-')) : undefined;
  const entry = fileURLToPath(new URL('./devserver-memory.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', join(PROJECT_ROOT, 'bin', 'run.mjs'), entry, '--serve', dataDir ?? ''], { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
  const { address } = await ask<{ address: string }>(child);
  const client = new Client({ connection: await Connection.connect({ address }) });
  const workflows = join(PROJECT_ROOT, 'test', 'workflows');
  const bundle = await cachedWorkflowBundle('conformance-workflows', join(workflows, 'index.ts'), [workflows, join(PROJECT_ROOT, 'package-lock.json')]);
  const taskQueue = 'memory';
  const worker = await Worker.create({ connection: await NativeConnection.connect({ address }), taskQueue, workflowBundle: { code: bundle }, maxCachedWorkflows: 100 });
  const padding = 'x'.repeat(2048);
  let historyBytes = 0;
  let events = 0;
  const park = async (id: string) => {
    const h = await client.workflow.start('counter', { taskQueue, workflowId: id });
    for (let i = 0; i < 4; i++) await h.signal('add', `${i}${padding}`);
    for (let i = 0; i < 2; i++) await h.executeUpdate('increment', { args: [1] });
    const history = await h.fetchHistory();
    historyBytes += proto.temporal.api.history.v1.History.encode(history).finish().byteLength;
    events += history.events?.length ?? 0;
  };
  const parkAll = async (prefix: string, n: number) => {
    for (let next = 0; next < n; ) await Promise.all(Array.from({ length: Math.min(20, n - next) }, () => park(`${prefix}-${next++}`)));
  };
  const report = await worker.runUntil(async () => {
    await parkAll('warm', 200);
    const measure = (name: string) => ask<Usage>(child, snapshots ? `measure ${join(snapshots, `${name}.heapsnapshot`)}` : 'measure');
    const before = await measure('before');
    historyBytes = events = 0;
    await parkAll('open', open);
    const after = await measure('after');
    const per = (k: keyof Usage) => Math.round((after[k] - before[k]) / open);
    return {
      mode: onDisk ? 'data dir' : 'in memory',
      open,
      eventsPerRun: Math.round(events / open),
      encodedHistoryBytesPerRun: Math.round(historyBytes / open),
      heapUsedBytesPerRun: per('heapUsed'),
      arrayBufferBytesPerRun: per('arrayBuffers'),
      // What the process took from the system: the heap's high-water mark, not only what it holds now.
      heapTotalBytesPerRun: per('heapTotal'),
      rssBytesPerRun: per('rss'),
      heapUsedMiB: { before: +(before.heapUsed / 2 ** 20).toFixed(1), after: +(after.heapUsed / 2 ** 20).toFixed(1) },
      dataDirBytes: dataDir ? readdirSync(dataDir).reduce((sum, f) => sum + statSync(join(dataDir, f)).size, 0) : undefined,
    };
  });
  console.log(JSON.stringify(report, null, 2));
  child.send('close');
  await new Promise((resolve) => child.once('exit', resolve));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
