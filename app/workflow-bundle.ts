// The worker's workflow bundle, made once per change of the code it is made from instead of at every
// start (bundling takes seconds of CPU): `npm start`, the entry points and the test run share it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type BundleOptions } from '@temporalio/worker';
import { PROJECT_ROOT, cachedFile, hashSources } from '../config/build-cache';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

// Everything the bundle can contain: the workflow code, what it imports of ours (domain/, and types
// from activities/), and the SDK's version (the lock file).
export const workflowInputs = ['workflows', 'domain', 'activities', 'package-lock.json'].map((p) => join(PROJECT_ROOT, p));

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

// Loaded once per workflow thread and shared by every workflow in it, instead of evaluated again for
// each workflow the worker creates (the SDK's `preloadModules`, with its reusable V8 context): the SDK's
// workflow API and the modules of ours that hold no state of a run (domain/ is pure; the definitions,
// search attributes and patch names are constants). Measured with 500 cached requests: 29 KiB less
// JavaScript heap per cached request (152 -> 123 KiB). The SDK freezes what it shares, so a module
// that kept a run's state at module level would fail loudly here rather than leak between runs.
const SHARED_MODULES = ['@temporalio/workflow', 'domain/state-machine.ts', 'domain/sla.ts', 'domain/attachments.ts', 'workflows/definitions.ts', 'workflows/search-attributes.ts', 'workflows/patches.ts'];

// The test bundles' source map: lines, no sources (see `cachedWorkflowBundle`).
const LINES_ONLY = 'inline-nosources-cheap-module-source-map';

/** The bundle's file in the build cache, made when the inputs changed. */
export function workflowBundlePath(): Promise<string> {
  return cachedWorkflowBundleFile('workflows', workflowsPath, workflowInputs, [], SHARED_MODULES);
}

/**
 * The service's workflows bundled as `workflowBundlePath` bundles them (the same code and shared
 * modules) with a test bundle's source map of lines (see `cachedWorkflowBundle`): what the test stacks'
 * workers, the workflow tests and the replays run: a worker's workflow thread starts in up to 0.2
 * CPU-seconds less than with the full map (1.9 MB, two thirds of it the map), a debug-mode worker or
 * a replay in up to 0.15 less, and the tests start dozens of each a run.
 */
export function testWorkflowBundlePath(): Promise<string> {
  return cachedWorkflowBundleFile('workflows-lines', workflowsPath, workflowInputs, [], SHARED_MODULES, LINES_ONLY);
}

/**
 * A test's bundle of the workflows at `entry` (`name` in the cache), with `interceptors` (workflow
 * interceptor modules) if any, made again only when `inputs` (which include them) changed. Its source
 * map has lines and no sources: a worker decodes, parses and encodes again its bundle's inline map and
 * compiles the bundle twice when it starts, and the test suites start hundreds of workers (the full map
 * made 28 to 35% of the conformance suites' CPU). Stack traces still name the file and line.
 */
export async function cachedWorkflowBundle(name: string, entry: string, inputs: string[], interceptors: string[] = []): Promise<string> {
  return readFile(await cachedWorkflowBundlePath(name, entry, inputs, interceptors), 'utf8');
}

/** The file of that bundle (see `cachedWorkflowBundle`) in the build cache. */
export function cachedWorkflowBundlePath(name: string, entry: string, inputs: string[], interceptors: string[] = []): Promise<string> {
  return cachedWorkflowBundleFile(name, entry, inputs, interceptors, [], LINES_ONLY);
}

function cachedWorkflowBundleFile(name: string, entry: string, inputs: string[], interceptors: string[] = [], preload: string[] = [], devtool?: string): Promise<string> {
  // A package by name, a file of ours by its path from the project root.
  const preloadModules = preload.map((m) => (m.startsWith('@') ? m : join(PROJECT_ROOT, m)));
  const webpackConfigHook: BundleOptions['webpackConfigHook'] = (config) => (devtool ? { ...config, devtool } : config);
  const make = async () => (await bundleWorkflowCode({ workflowsPath: entry, workflowInterceptorModules: interceptors, preloadModules, webpackConfigHook, logger: quiet })).code;
  return cachedFile(`${name}-${hashSources(inputs, { extra: [...preload, devtool ?? 'full map'] })}.js`, make);
}
