// NOT service code. A deliberately incompatible "next version" of the exchange workflow, bundled only by
// replay.test.ts to prove that the replay check fails when a change would break running requests.
// The change is a plausible one: a new step (a timer, e.g. "wait for the provider's business hours")
// before the first database write. Its first command is then StartTimer where every recorded history
// has ActivityTaskScheduled, which Temporal must refuse as nondeterministic.
import { sleep } from '@temporalio/workflow';
import { exchange as currentExchange } from '../../workflows/exchange';
import type { ExchangeInput, ExchangeSnapshot } from '../../workflows/definitions';

export async function exchange(input: ExchangeInput): Promise<ExchangeSnapshot> {
  await sleep('1 minute');
  return currentExchange(input);
}
