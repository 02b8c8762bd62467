import { condition, proxyActivities, setHandler, uuid4 } from '@temporalio/workflow';
import { addSignal, finishSignal } from './messages';

const { note } = proxyActivities<{ note(step: string): Promise<string> }>({ startToCloseTimeout: '10s' });

/** Runs one activity, then collects `add` signals until `finish`; returns them with an id drawn from the workflow's randomness. */
export async function resettable(): Promise<{ first: string; items: string[]; random: string }> {
  const items: string[] = [];
  let finished = false;
  setHandler(addSignal, (item) => void items.push(item));
  setHandler(finishSignal, () => void (finished = true));
  const first = await note('first');
  await condition(() => finished);
  return { first, items, random: uuid4() };
}
