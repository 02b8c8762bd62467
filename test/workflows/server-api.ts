// Workflows for the server-api conformance tests (id policies, visibility, history, workflow tasks).
import type { Duration } from '@temporalio/common';
import { ApplicationFailure, condition, defineQuery, defineSignal, setHandler, sleep, upsertMemo, upsertSearchAttributes } from '@temporalio/workflow';

export const sapiReleaseSignal = defineSignal<[string]>('sapiRelease');
export const sapiBumpSignal = defineSignal<[string]>('sapiBump');
export const sapiLabelQuery = defineQuery<string>('sapiLabel');
export const sapiSeenQuery = defineQuery<string[]>('sapiSeen');

/**
 * Runs until released: answers `sapiLabel` (its input) and records every `sapiBump` signal (`sapiSeen`).
 * Returns `<label>:<release value>`. Its first workflow task writes no command.
 */
export async function sapiHeld(label: string): Promise<string> {
  const seen: string[] = [];
  let released: string | undefined;
  setHandler(sapiLabelQuery, () => label);
  setHandler(sapiSeenQuery, () => seen);
  setHandler(sapiBumpSignal, (value) => void seen.push(value));
  setHandler(sapiReleaseSignal, (value) => void (released = value));
  await condition(() => released !== undefined);
  return `${label}:${released}`;
}

/** Returns its input at once. */
export async function sapiEcho(value: string): Promise<string> {
  return value;
}

/** Fails at once, without retries. */
export async function sapiFail(message: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(message, 'OnPurpose');
}

/** Sleeps `steps` times so its history holds a few dozen events; returns `steps`. */
export async function sapiSteps(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) await sleep(1);
  return steps;
}

/**
 * Changes its own visibility record in its first task: typed upsert (Color, Size, and Due removed),
 * a legacy untyped upsert (Tags) and a memo upsert (adds `note`, removes `removeMe`). Then runs until released.
 */
export async function sapiUpserter(): Promise<string> {
  let released: string | undefined;
  setHandler(sapiReleaseSignal, (value) => void (released = value));
  upsertSearchAttributes([
    { key: { name: 'Color', type: 'KEYWORD' }, value: 'green' },
    { key: { name: 'Size', type: 'INT' }, value: 42 },
    { key: { name: 'Due', type: 'DATETIME' }, value: null },
  ]);
  upsertSearchAttributes({ Tags: ['upserted', 'twice'] });
  upsertMemo({ note: 'upserted', removeMe: undefined });
  await condition(() => released !== undefined);
  return released!;
}

/** Sleeps for `duration` (a timer; skipped over on a time-skipping server); returns it. */
export async function sapiNap(duration: Duration): Promise<Duration> {
  await sleep(duration);
  return duration;
}
