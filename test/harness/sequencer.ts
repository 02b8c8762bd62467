import { BaseSequencer, type TestSpecification } from 'vitest/node';

// The files that run longest (wall time with the rest of the suite beside them), longest first.
const LONGEST = [
  'test/browser/temporal-ui.test.ts',
  'test/exchange/races.test.ts',
  'test/browser/flow.test.ts',
  'test/e2e/races.test.ts',
  'test/e2e/attachments.test.ts',
  'test/faults/failed-task.test.ts',
  'test/conformance/activities.test.ts',
  'test/browser/sign-in.test.ts',
  'test/e2e/sla-races.test.ts',
  'test/e2e/sla.test.ts',
  'test/conformance/compaction.test.ts',
  'test/e2e/sessions.test.ts',
  'test/e2e/reconcile.test.ts',
  'test/e2e/bad-input.test.ts',
  'test/e2e/authorization.test.ts',
];

/**
 * vitest starts the files that took longest in the previous run first, so the last minute is not one
 * long file running alone. Without a previous run (a fresh clone, as CI has) it starts the largest
 * files first, and the race matrix, a five-line file that runs for a minute, came last and ran alone
 * for half a minute. Then the files known to run longest go first (a file missing from the list, the
 * failed-task fault's 11 s, came last in a fresh clone's run and ran alone for 5 s).
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const known = files.every((f) => this.ctx.cache.getFileTestResults(`${f.project.name}:${f.moduleId.slice(this.ctx.config.root.length + 1)}`));
    if (known) return sorted;
    const rank = (f: TestSpecification) => {
      const i = LONGEST.findIndex((name) => f.moduleId.endsWith(`/${name}`));
      return i < 0 ? LONGEST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
