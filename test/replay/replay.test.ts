// Workflow replay against committed histories: every fixture in test/replay/fixtures/ is a real run of
// one of the service's workflows (recorded by test/replay/record-fixtures.ts through the API). Replaying
// them on the current workflow code is what a deployment does to every request still running, so a
// change that would break those requests (a nondeterministic change) fails here, in CI, and not in
// production. When this fails, fix the workflow change (patched(), a new workflow type); never
// re-record the fixtures to make it pass (see the comment at the top of record-fixtures.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cachedWorkflowBundle, workflowInputs } from '../../app/workflow-bundle';
import { replayHistory, replayResults } from '../harness/replay';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { DeterminismViolationError } from '@temporalio/workflow';
import * as serviceWorkflows from '../../workflows/index';
import { CURRENT_GENERATION, FIXTURES_DIR, fixtureFile, scenarios, type ReplayFixture } from './record-fixtures';
import { serviceWorkflowBundle } from '../harness/workflow-bundles';

const files = readdirSync(FIXTURES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();
/** Each fixture, named `<scenario>@<generation>` in the test names. */
const fixtures: Array<ReplayFixture & { name: string }> = files.map((f) => {
  const fixture = JSON.parse(readFileSync(join(FIXTURES_DIR, f), 'utf8')) as ReplayFixture;
  return { ...fixture, name: `${fixture.scenario}@${f.slice(fixture.scenario.length + 1, -'.json'.length)}` };
});

const replay = (code: string, fixture: ReplayFixture, history = historyFromJSON(fixture.history)) => replayHistory(code, history, fixture.workflowId);

/** Each fixture replayed on `code` (see `replayResults`). */
const replayEach = (code: string, list: ReplayFixture[]) => replayResults(code, list.map((f) => ({ workflowId: f.workflowId, history: historyFromJSON(f.history) })));

describe('replay fixtures', () => {
  it('holds every recorder scenario in the current generation, each file named after its scenario', () => {
    for (const s of scenarios) expect(files).toContain(fixtureFile(s.name, CURRENT_GENERATION));
    const names = new Set(scenarios.map((s) => s.name));
    for (const [i, f] of fixtures.entries()) {
      expect(names.has(f.scenario), files[i]).toBe(true);
      expect(files[i].startsWith(`${f.scenario}.`), files[i]).toBe(true);
    }
  });

  it('covers every workflow the worker runs, and the exchange in finished and in-flight runs', () => {
    expect(new Set(fixtures.map((f) => f.workflowType))).toEqual(new Set(Object.keys(serviceWorkflows)));
    const exchanges = fixtures.filter((f) => f.workflowType === 'exchange');
    expect(exchanges.some((f) => f.completed)).toBe(true);
    expect(exchanges.some((f) => !f.completed)).toBe(true);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s is a real recorded run of its workflow', (_name, fixture) => {
    const history = historyFromJSON(fixture.history);
    const events = history.events ?? [];
    expect(events.length).toBeGreaterThan(5);
    expect(events[0].workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(fixture.workflowType);
    expect(events.map((e) => Number(e.eventId))).toEqual(events.map((_e, i) => i + 1));
    // Its side effects ran: scheduled activities completed, or local activities recorded their results.
    expect(events.some((e) => e.activityTaskCompletedEventAttributes || e.markerRecordedEventAttributes?.markerName === 'core_local_activity')).toBe(true);
    expect(!!events.at(-1)?.workflowExecutionCompletedEventAttributes).toBe(fixture.completed);
  });
});

describe('the current workflow code replays every recorded history', () => {
  let results: Array<{ error?: Error }>;
  beforeAll(async () => {
    results = await replayEach(serviceWorkflowBundle(), fixtures);
  });

  it.each(fixtures.map((f, i) => [f.name, i] as const))('%s', (_name, i) => {
    expect(results[i], 'replayed').toBeDefined();
    expect(results[i].error).toBeUndefined();
  });
});

describe('the check fails when it should', () => {
  const exchanges = fixtures.filter((f) => f.workflowType === 'exchange');
  let results: Array<{ error?: Error }>;
  beforeAll(async () => {
    const incompatible = fileURLToPath(new URL('./incompatible-workflows.ts', import.meta.url));
    results = await replayEach(await cachedWorkflowBundle('incompatible-workflows', incompatible, [...workflowInputs, incompatible]), exchanges);
  });

  it.each(exchanges.map((f, i) => [f.name, i] as const))('an exchange with a new step before its first write is refused on %s', (_name, i) => {
    expect(results[i], 'replayed').toBeDefined();
    expect(results[i].error).toBeInstanceOf(DeterminismViolationError);
  });

  it('renaming an activity the workflow calls (here: the recorded history still names the old one) is refused', async () => {
    const fixture = exchanges[0];
    const renamed = structuredClone(fixture.history) as { events: Array<Record<string, { activityType?: { name: string } }>> };
    let count = 0;
    for (const e of renamed.events) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'createParentTask') {
        scheduled.activityType.name = 'createProviderParentTask';
        count++;
      }
    }
    expect(count).toBe(1);
    await expect(replay(serviceWorkflowBundle(), fixture, historyFromJSON(renamed))).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
