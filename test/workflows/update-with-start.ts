// Workflows for the update-with-start and eager start conformance tests.
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const uwsAddUpdate = defineUpdate<string[], [string]>('uwsAdd');
export const uwsReleaseSignal = defineSignal('uwsRelease');
export const uwsFinishSignal = defineSignal('uwsFinish');

/**
 * Starts with its input as items; each `uwsAdd` update adds one (its validator refuses an empty one) and answers
 * with the items so far; an update adding "held" completes only after `uwsRelease`. Returns the items on `uwsFinish`.
 */
export async function uwsCollector(...initial: string[]): Promise<string[]> {
  const items = [...initial];
  let released = false;
  let finished = false;
  setHandler(uwsReleaseSignal, () => void (released = true));
  setHandler(uwsFinishSignal, () => void (finished = true));
  setHandler(
    uwsAddUpdate,
    async (item) => {
      if (item === 'held') await condition(() => released);
      items.push(item);
      return [...items];
    },
    {
      validator: (item) => {
        if (!item) throw new Error('an item must not be empty');
      },
    },
  );
  await condition(() => finished);
  return items;
}
