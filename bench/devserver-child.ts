// The dev server alone in a process of its own, for bench/devserver-memory.ts: started as
// `node --expose-gc bin/run.mjs bench/devserver-child.ts <data dir or ""> <retention ms>` with an IPC
// channel, it sends its address and start time, answers `measure [heap snapshot file]` with its
// memory after a full GC, and `close` by closing. Nothing else is loaded, so only the server is measured.
import { writeHeapSnapshot } from 'node:v8';
import { startDevServer } from '../devserver/index';

export interface Usage {
  heapUsed: number;
  heapTotal: number;
  arrayBuffers: number;
  rss: number;
}

const [dataDir, retentionMs] = process.argv.slice(2);
const began = performance.now();
const server = await startDevServer({ port: 0, uiPort: false, dataDir: dataDir || undefined, retentionMs: Number(retentionMs) });
const startMs = Math.round(performance.now() - began);
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
process.send!({ address: server.address, startMs });
