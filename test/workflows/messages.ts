import { condition, defineQuery, defineSignal, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

export const addSignal = defineSignal<[string]>('add');
export const finishSignal = defineSignal('finish');
export const itemsQuery = defineQuery<string[]>('items');
export const incrementUpdate = defineUpdate<number, [number]>('increment');
export const countQuery = defineQuery<number>('count');

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
