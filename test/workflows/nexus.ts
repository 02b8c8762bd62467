// Callers of the Nexus service the conformance suite's handler implements (test/conformance/nexus.test.ts).
import * as nexus from 'nexus-rpc';
import * as wf from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';

export const greetingService = nexus.service('greeting', {
  /** Answered at once by the handler (a synchronous operation). */
  echo: nexus.operation<string, string>(),
  /** Backed by a workflow run on the handler's side (an asynchronous operation). */
  greet: nexus.operation<string, string>(),
  /** Fails the way its input says: 'operation-error', 'bad-request', 'flaky' (once), 'workflow-fails'. */
  fail: nexus.operation<string, string>(),
  /** Backed by a workflow run that waits until it is cancelled; the input names the run. */
  wait: nexus.operation<string, string>(),
});

/** Calls one operation of `greetingService` on `endpoint` and returns its result. */
export async function nexusCaller(endpoint: string, operation: 'echo' | 'greet' | 'fail', input: string, scheduleToCloseTimeout: Duration = '20s'): Promise<string> {
  const client = wf.createNexusServiceClient({ service: greetingService, endpoint });
  return await client.executeOperation(operation, input, { scheduleToCloseTimeout });
}

/** The workflow an asynchronous operation starts on the handler's side. */
export async function greeting(name: string): Promise<string> {
  if (name === 'workflow-fails') throw wf.ApplicationFailure.nonRetryable('the greeting workflow failed', 'GreetingFailed');
  if (name === 'continue') await wf.continueAsNew<typeof greeting>('the next run');
  await wf.sleep(10);
  return `Hello, ${name}!`;
}

export const cancelCall = wf.defineSignal('cancelCall');

/** Starts `wait` on `endpoint`, and cancels it when signalled: 'cancelled' once the cancellation went through. */
export async function nexusCancellingCaller(endpoint: string, runName: string): Promise<string> {
  const client = wf.createNexusServiceClient({ service: greetingService, endpoint });
  try {
    return await wf.CancellationScope.cancellable(async () => {
      wf.setHandler(cancelCall, () => wf.CancellationScope.current().cancel());
      const handle = await client.startOperation('wait', runName, { scheduleToCloseTimeout: '30s' });
      return await handle.result();
    });
  } catch (err) {
    if (wf.isCancellation(err)) return 'cancelled';
    throw err;
  }
}

/** The run behind `wait`: it ends only when cancelled. */
export async function waitUntilCancelled(): Promise<string> {
  await wf.condition(() => false);
  return 'never';
}
