// Workflow interceptor for the failed-task fault test: a broken worker deployment whose every workflow
// task that decides a change to a request fails after deciding it (the handler ran, its commands were
// made), as a task does when its worker dies, times out or hits a nondeterminism error at that point.
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

export const interceptors: WorkflowInterceptorsFactory = () => ({
  internals: [
    {
      concludeActivation(input, next) {
        const output = next(input);
        if (output.commands.some((c) => c.scheduleActivity?.activityType === 'applyTaskChange')) {
          throw new Error('injected fault: this workflow task fails after deciding a change');
        }
        return output;
      },
    },
  ],
});
