import { condition, defineQuery, defineSignal, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

export const addSignal = defineSignal<[string]>('add');
export const finishSignal = defineSignal('finish');
export const itemsQuery = defineQuery<string[]>('items');
export const incrementUpdate = defineUpdate<number, [number]>('increment');
export const countQuery = defineQuery<number>('count');
export const closeUpdate = defineUpdate<string, [string]>('close');

/** Collects `add` signals in arrival order until `finish`. */
export async function collector(): Promise<string[]> {
  const items: string[] = [];
  let finished = false;
  setHandler(addSignal, (item) => void items.push(item));
  setHandler(finishSignal, () => void (finished = true));
  setHandler(itemsQuery, () => items);
  await condition(() => finished);
  return items;
}

/** A counter changed only through a validated update. */
export async function counter(): Promise<number> {
  let count = 0;
  let finished = false;
  setHandler(countQuery, () => count);
  setHandler(finishSignal, () => void (finished = true));
  setHandler(
    incrementUpdate,
    async (by) => {
      await sleep(1); // an update handler that awaits: accepted first, completed in a later task
      count += by;
      return count;
    },
    {
      validator: (by) => {
        if (!Number.isInteger(by) || by <= 0) throw new Error(`increment must be a positive integer, got ${by}`);
      },
    },
  );
  await condition(() => finished);
  return count;
}

/** Sleeps on a durable timer, then reports it woke. */
export async function sleeper(ms: number): Promise<string> {
  await sleep(ms);
  return 'woke';
}

/** Ends when a `close` update arrives: the update is accepted, completed and the run closed in one task. */
export async function closedByUpdate(): Promise<string> {
  let reason: string | undefined;
  setHandler(closeUpdate, (why) => {
    reason = why;
    return `closing: ${why}`;
  });
  await condition(() => reason !== undefined);
  return `closed: ${reason}`;
}

export const waitForeverUpdate = defineUpdate<string>('waitForever');

/** Accepts a `waitForever` update whose handler never returns, and completes in that same task. */
export async function abandonsUpdate(): Promise<string> {
  let started = false;
  setHandler(waitForeverUpdate, async () => {
    started = true;
    await condition(() => false);
    return 'never';
  });
  await condition(() => started);
  return 'closed';
}
