// The attachments phase of `npm run bench`: a file uploaded over HTTP by the consumer's requester
// until the provider's side lists it (its bytes copied there and checked), per size: upload time, time
// until visible on the other side, MB/s, and the process's peak memory above its level before.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { request } from 'undici';
import { CONSUMER, PROVIDER, type BenchStack } from './stack';
import { ReplicationWatcher } from './replication';
import { MiB, ResourceMonitor, sleep } from './stats';
import { exchangeWorkflowId } from '../workflows/definitions';

export interface AttachmentResult {
  sizeMiB: number;
  uploadMs: number;
  /** Upload sent -> the provider's side lists the file. */
  visibleMs: number;
  /** Size over `visibleMs`. */
  mbPerS: number;
  /** Peak RSS during the upload and copy, above the RSS before it. */
  peakRssAboveMiB: number;
}

/** A file of random bytes on disk (so the client streams it instead of holding it), and its SHA-256. */
async function randomFile(dir: string, bytes: number): Promise<{ path: string; sha256: string }> {
  const path = join(dir, `bench-${bytes}.bin`);
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= MiB) {
    const chunk = randomBytes(Math.min(MiB, left));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return { path, sha256: hash.digest('hex') };
}

/** Uploads one file of each size to a fresh request and times it until the provider's side has it. */
export async function runAttachments(stack: BenchStack, sizesMiB: number[], say: (msg: string) => void): Promise<AttachmentResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sx-bench-files-'));
  const tokens = stack.demo.tokens;
  const call = async (method: 'GET' | 'POST', path: string, token: string, body?: unknown) => {
    const res = await request(`${stack.origin}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await res.body.json()) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    if (res.statusCode >= 300) throw new Error(`${method} ${path} answered ${res.statusCode}: ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const watcher = new ReplicationWatcher(stack.instances, 5);
  const results: AttachmentResult[] = [];
  try {
    for (const sizeMiB of sizesMiB) {
      const file = await randomFile(dir, sizeMiB * MiB);
      const submitted = await call('POST', '/requests', tokens.ANN_TOKEN, { catalogItemId: stack.item.id, shortDescription: `Bench attachment ${sizeMiB} MiB`, variables: { category: 'hardware' } });
      const parent = (await watcher.wait({ kind: 'parent', instance: PROVIDER, workflowId: exchangeWorkflowId(CONSUMER, submitted.number) })).value!;

      const rssBeforeMiB = process.memoryUsage.rss() / MiB;
      const monitor = new ResourceMonitor(20);
      const form = new FormData();
      form.append('file', await openAsBlob(file.path, { type: 'application/octet-stream' }), `bench-${sizeMiB}MiB.bin`);
      const sentAt = performance.now();
      const res = await request(`${stack.origin}/tasks/${submitted.number}/attachments`, { method: 'POST', headers: { authorization: `Bearer ${tokens.ANN_TOKEN}` }, body: form });
      const answer = (await res.body.json()) as { attachments?: Array<{ id: string; sha256: string }> };
      const uploadMs = performance.now() - sentAt;
      if (res.statusCode !== 201 || answer.attachments?.[0]?.sha256 !== file.sha256) throw new Error(`upload of ${sizeMiB} MiB answered ${res.statusCode}: ${JSON.stringify(answer).slice(0, 300)}`);
      const id = answer.attachments[0].id;
      for (;;) {
        const listed = await call('GET', `/tasks/${parent}/attachments`, tokens.BOB_TOKEN);
        if (listed.items.some((a: { id: string; sha256: string }) => a.id === id && a.sha256 === file.sha256)) break;
        await sleep(10);
      }
      const visibleMs = performance.now() - sentAt;
      const { peakRssMiB } = monitor.read();
      monitor.stop();
      const result = {
        sizeMiB,
        uploadMs: Math.round(uploadMs),
        visibleMs: Math.round(visibleMs),
        mbPerS: Math.round(((sizeMiB * MiB) / 1e6 / (visibleMs / 1000)) * 10) / 10,
        peakRssAboveMiB: Math.max(0, Math.round(peakRssMiB - rssBeforeMiB)),
      };
      results.push(result);
      say(`attachments: ${sizeMiB} MiB uploaded in ${result.uploadMs} ms, at the provider after ${result.visibleMs} ms (${result.mbPerS} MB/s), peak RSS +${result.peakRssAboveMiB} MiB`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
