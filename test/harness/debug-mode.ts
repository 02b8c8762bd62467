import { Worker, type WorkerOptions } from '@temporalio/worker';
// Not exported by the package's index: the hooks debug mode installs, which the SDK never takes out.
import { globalHandlers } from '@temporalio/worker/lib/workflow/vm-shared';

let running = 0;
let prepareStackTrace: typeof Error.prepareStackTrace;

/**
 * Runs `fn`, which runs workflow code in this thread (a debug-mode worker, or a replay, which the SDK
 * always runs in debug mode), and takes the SDK's stack-trace hooks out again once the last such `fn`
 * of the process has settled.
 *
 * Debug mode installs them on the whole thread: a V8 promise hook that compiles a small function for
 * every promise created and for every promise settled, and an Error.prepareStackTrace. The SDK leaves
 * them in, so after one replay every promise of the test process paid for them, the databases' and the
 * dev server's too, in every later file (vitest runs file after file in a process): about 6 s of the
 * suite's profiled CPU, against under 2 s now.
 */
export async function inDebugMode<T>(fn: () => Promise<T>): Promise<T> {
  if (running++ === 0) prepareStackTrace = Error.prepareStackTrace;
  try {
    return await fn();
  } finally {
    if (--running === 0) {
      globalHandlers.uninstall();
      Error.prepareStackTrace = prepareStackTrace;
    }
  }
}

/**
 * A debug-mode worker (its workflow code in this thread instead of a workflow thread of its own: it
 * starts in about 0.15 s instead of 0.75 s) running until `run` settles, then shut down.
 */
export function runDebugWorker<T>(options: WorkerOptions, run: () => Promise<T>): Promise<T> {
  return inDebugMode(async () => (await Worker.create({ ...options, debugMode: true })).runUntil(run()));
}
