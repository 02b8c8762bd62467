// The worker's workflow bundle, made once per change of the code it is made from instead of at every
// start (bundling takes seconds of CPU): `npm start`, the entry points and the test run share it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT, cachedFile, hashSources } from '../config/build-cache';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

// Everything the bundle can contain: the workflow code, what it imports of ours (domain/, and types
// from activities/), and the SDK's version (the lock file).
export const workflowInputs = ['workflows', 'domain', 'activities', 'package-lock.json'].map((p) => join(PROJECT_ROOT, p));

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

/** The bundle's code, from the build cache when the inputs are unchanged. */
export async function workflowBundle(): Promise<string> {
  return readFile(await workflowBundlePath(), 'utf8');
}

/** The bundle's file in the build cache, made when the inputs changed. */
export function workflowBundlePath(): Promise<string> {
  return cachedWorkflowBundleFile('workflows', workflowsPath, workflowInputs);
}

/**
 * The bundle of the workflows at `entry` (`name` in the cache), with `interceptors` (workflow
 * interceptor modules) if any, made again only when `inputs` (which include them) changed.
 */
export async function cachedWorkflowBundle(name: string, entry: string, inputs: string[], interceptors: string[] = []): Promise<string> {
  return readFile(await cachedWorkflowBundleFile(name, entry, inputs, interceptors), 'utf8');
}

function cachedWorkflowBundleFile(name: string, entry: string, inputs: string[], interceptors: string[] = []): Promise<string> {
  const make = async () => (await bundleWorkflowCode({ workflowsPath: entry, workflowInterceptorModules: interceptors, logger: quiet })).code;
  return cachedFile(`${name}-${hashSources(inputs)}.js`, make);
}
