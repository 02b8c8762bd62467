import { readFileSync } from 'node:fs';
import { inject } from 'vitest';

// Global setup provides the bundles' paths, not their code: vitest sends every provided value along
// with each test file it hands a test process, and the two bundles' 2.6 MB of code went out 75 times
// a run (serialized by vitest's main process, parsed again in the test processes). Each process now
// reads each bundle once.

const read = new Map<string, string>();
const code = (path: string): string => {
  let bundle = read.get(path);
  if (bundle === undefined) read.set(path, (bundle = readFileSync(path, 'utf8')));
  return bundle;
};

/** The service's workflows as bundled for tests (`testWorkflowBundlePath` in app/workflow-bundle.ts) by this run's global setup. */
export const serviceWorkflowBundle = (): string => code(inject('serviceWorkflowBundlePath'));

/** The conformance suite's workflows (test/workflows/) bundled by this run's global setup. */
export const conformanceWorkflowBundle = (): string => code(inject('conformanceWorkflowBundlePath'));
