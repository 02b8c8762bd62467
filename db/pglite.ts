// Every embedded PostgreSQL (PGlite) this project opens, with the same settings: smaller shared memory,
// one compiled WebAssembly module for all of them, and Node's codec for bytea.
import { cp, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

type WasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// The project's lib settings (ES2023, no DOM) do not declare Node's global WebAssembly.
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<WasmModule> } };

// PostgreSQL's shared memory is allocated and zeroed in each database's WebAssembly memory, which
// stays resident: the default 128 MB of shared buffers held 2 × 155 MB while idle. 8 MB holds the
// working set of a demo or a test; larger databases read the rest through the operating system's file
// cache. Each of max_connections' 100 slots (lock and process tables) is also sized in there, 4 MB in
// all, although PGlite runs one backend.
const SHARED_MEMORY = ['-c', 'shared_buffers=8MB', '-c', 'max_connections=10'];

// PGlite passes bytea as hex text; its own conversion goes byte by byte through JavaScript arrays,
// about 150 ms for each 512 KiB chunk of a file. Node's hex codec does the same in a millisecond.
const BYTEA = 17;
const byteaAsHex = {
  serializers: { [BYTEA]: (value: Uint8Array) => `\\x${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex')}` },
  parsers: { [BYTEA]: (text: string) => Buffer.from(text.slice(2), 'hex') },
};

// Compiled once per process: each database would otherwise compile the same 9 MB module again.
let compiled: Promise<WasmModule> | undefined;
function pgliteModule(): Promise<WasmModule> {
  const wasmFile = join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm');
  return (compiled ??= readFile(wasmFile).then((bytes) => wasm.compile(bytes)));
}

/**
 * An image (an uncompressed tar) as the Blob PGlite's `loadDataDir` reads, which only asks for its
 * `arrayBuffer()` and `type`. Node 20's own Blob answers `arrayBuffer()` by reading itself in 64 KiB
 * chunks and concatenating them: about 0.3 CPU-seconds for a migrated database's image, each time.
 */
class ImageBlob extends Blob {
  constructor(private readonly tar: Uint8Array) {
    super([]);
  }
  // A copy: PGlite may keep or change what it is given, and the image serves every database after it.
  override async arrayBuffer(): Promise<ArrayBuffer> {
    return this.tar.slice().buffer;
  }
}

/** Opens an embedded database: in `dataDir`, or in memory; a new one from `image` (an uncompressed tar, see `migratedImage`). */
export async function openPGlite(dataDir?: string, { image }: { image?: Uint8Array } = {}): Promise<PGlite> {
  return PGlite.create(dataDir, {
    ...byteaAsHex,
    ...(image && { loadDataDir: new ImageBlob(image) }),
    pgliteWasmModule: await pgliteModule(),
    startParams: [...PGlite.defaultStartParams, ...SHARED_MEMORY],
  });
}

/**
 * Makes `dataDir` a new database, a copy of `imageDir` (an empty migrated one). Not PGlite's own
 * `loadDataDir`, which unpacks a tar inside the database's WebAssembly memory: that memory never
 * shrinks, and each database kept some 100 MB more for the life of the process. Copied beside it and
 * renamed into place, so a process killed midway leaves no half database behind.
 */
export async function copyImage(imageDir: string, dataDir: string): Promise<void> {
  const existing = await readdir(dataDir).catch(() => []);
  if (existing.length) throw new Error(`${dataDir} is neither empty nor an embedded database (it has no PG_VERSION)`);
  const partial = `${dataDir}.copying`;
  await rm(partial, { recursive: true, force: true });
  await cp(imageDir, partial, { recursive: true });
  await rmdir(dataDir).catch(() => {});
  await rename(partial, dataDir);
}
