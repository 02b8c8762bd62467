// Racing actions on one request, as data: the moves people make, the requests' setups in each state,
// and an oracle of what any serial order of the moves would answer (from the state machine). Pure,
// apart from any stack: the race matrix (test/harness/race-matrix.ts) and the SLA races (sla-races.test.ts)
// drive requests through the API (./races.ts) and compare with it.
import { httpStatus } from '../../api/errors';
import { decide, type Action, type ExchangeState } from '../../domain/state-machine';
import { DomainError, type ErrorCode } from '../../domain/errors';
import { providerStateOf, type Actor, type ConsumerState } from '../../domain/model';

/** The people who race: the consumer's requester and the provider's two agents (named by their demo tokens). */
export type Racer = 'ANN_TOKEN' | 'BOB_TOKEN' | 'CAROL_TOKEN';
export type Racers = Record<Racer, Actor>;

export interface Move {
  label: string;
  as: Racer;
  action: Action;
}
export const moves: Move[] = [
  { label: 'Ann comments', as: 'ANN_TOKEN', action: { type: 'comment', body: 'Ann: any news?' } },
  { label: 'Ann accepts', as: 'ANN_TOKEN', action: { type: 'accept' } },
  { label: 'Ann rejects', as: 'ANN_TOKEN', action: { type: 'reject', reason: 'Still broken' } },
  { label: 'Ann cancels', as: 'ANN_TOKEN', action: { type: 'cancel', reason: 'No longer needed' } },
  { label: 'Bob assigns', as: 'BOB_TOKEN', action: { type: 'assign' } },
  { label: 'Carol assigns', as: 'CAROL_TOKEN', action: { type: 'assign' } },
  { label: 'Bob comments', as: 'BOB_TOKEN', action: { type: 'comment', body: 'Bob: looking into it' } },
  { label: 'Bob notes', as: 'BOB_TOKEN', action: { type: 'work_note', body: 'Bob: toner supplier called' } },
  { label: 'Bob asks', as: 'BOB_TOKEN', action: { type: 'request_info', question: 'Which floor?' } },
  { label: 'Bob proposes', as: 'BOB_TOKEN', action: { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Replaced the toner' } },
];
/**
 * The move with `note` added to whatever of it becomes a comment (a body, a question, a reason), telling
 * its words apart from another's: a request raced again (a rejection raced twice) holds each once.
 */
const SAID = new Set(['body', 'question', 'reason']);
export const saying = (m: Move, note: string): Move => ({
  ...m,
  action: Object.fromEntries(Object.entries(m.action).map(([k, v]) => [k, SAID.has(k) ? `${v} (${note})` : v])) as Action,
});
/** A move made twice at once (a double click) says the same again: two comments, told apart by body. */
const again = (m: Move): Move => saying(m, 'again');
/** Every pair of moves that can be sent at once, the same move twice included (55). */
export const pairs = moves.flatMap((a, i) => moves.slice(i).map((b) => [a, b === a ? again(b) : b] as const));
/** Each move with itself: the pairs that are one person's double click. */
export const doubleClicks = pairs.filter(([a, b]) => a.label === b.label);

export const sideOfMove = (m: Move) => (m.as === 'ANN_TOKEN' ? 'consumer' : 'provider');
const stateOnSide = (m: Move, state: ConsumerState) => (sideOfMove(m) === 'consumer' ? state : providerStateOf(state));

/** One answer as the oracle compares it: `ok:<state on the mover's side>` or `<HTTP status>:<error code>`. */
const okAnswer = (m: Move, consumerState: ConsumerState) => `ok:${stateOnSide(m, consumerState)}`;
export const refusalAnswer = (code: ErrorCode) => `${httpStatus[code]}:${code}`;
/** What a race came to: each move's answer and the request's state afterwards. */
export const outcome = (answers: string[], final: ConsumerState) => JSON.stringify({ answers, final });

/** What the request does by itself: its receipt by the provider (while new), an SLA timer firing. */
export type SystemStep = 'receive' | 'auto_close' | 'sla_timer';
type Step = Move | SystemStep;

function runSerially(racers: Racers, start: ExchangeState, order: Step[], moveCount: number): string {
  let exchange = { ...start };
  const answers: string[] = new Array(moveCount);
  for (const step of order) {
    if (typeof step === 'string') {
      // Each happens only where the workflow would make it happen; a timer that is not due changes nothing.
      if (step === 'receive' && exchange.state === 'new') exchange = { ...exchange, ...decide(exchange, { type: 'receive' }) };
      if (step === 'auto_close' && exchange.state === 'resolved') exchange = { ...exchange, ...decide(exchange, { type: 'auto_close' }) };
      continue;
    }
    const i = (step as Move & { index: number }).index;
    try {
      const t = decide(exchange, step.action, racers[step.as]);
      exchange = { ...exchange, state: t.state, assignedTo: t.assignedTo ?? exchange.assignedTo };
      answers[i] = okAnswer(step, t.state);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      answers[i] = refusalAnswer(err.code);
    }
  }
  return outcome(answers, exchange.state);
}

const permutations = <T,>(items: T[]): T[][] =>
  items.length <= 1 ? [items] : items.flatMap((x, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]));

/** Every outcome some serial order of the moves and the request's own steps can give (receipt included while new). */
export function serialOutcomes(racers: Racers, start: ExchangeState, racing: Move[], system: SystemStep[] = []): Set<string> {
  const steps: Step[] = [...racing.map((m, index) => ({ ...m, index }) as Move), ...system, ...(start.state === 'new' ? (['receive'] as const) : [])];
  return new Set(permutations(steps).map((order) => runSerially(racers, start, order, racing.length)));
}

/**
 * The pairs whose race can go more than one way from `start`: the answers depend on which move goes
 * first, or both moves are accepted (two changes decided at once, both to be written to both sides).
 * The rest are a move refused whatever the order beside one that is not.
 */
export function contendedPairs(racers: Racers, start: ExchangeState): Array<readonly [Move, Move]> {
  return pairs.filter(([a, b]) => {
    const outcomes = [...serialOutcomes(racers, start, [a, b])].map((o) => JSON.parse(o) as { answers: string[] });
    return outcomes.length > 1 || outcomes.some((o) => o.answers.every((x) => x.startsWith('ok:')));
  });
}

/**
 * Some of `candidates` in which every move among them races at least once: pairs of two moves not yet
 * raced first, then one pair for each move left (the sample of the API's race matrix).
 */
export function coveringSample(candidates: Array<readonly [Move, Move]>): Array<readonly [Move, Move]> {
  const raced = new Set<string>();
  const take = (pair: readonly [Move, Move], fresh: (a: boolean, b: boolean) => boolean) => {
    if (!fresh(!raced.has(pair[0].label), !raced.has(pair[1].label))) return false;
    pair.forEach((m) => raced.add(m.label));
    return true;
  };
  const both = candidates.filter((pair) => pair[0].label !== pair[1].label && take(pair, (a, b) => a && b));
  return [...both, ...candidates.filter((pair) => !both.includes(pair) && take(pair, (a, b) => a || b))];
}

/** The actions that bring a received request into each state (the consumer's by Ann, the provider's by Bob). */
export const SETUPS: Record<ConsumerState, Action[]> = {
  new: [],
  received: [],
  work_in_progress: [{ type: 'assign' }],
  awaiting_info: [{ type: 'assign' }, { type: 'request_info', question: 'Which printer?' }],
  resolved: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'workaround', resolutionNotes: 'Use the other printer' }],
  closed: [{ type: 'assign' }, { type: 'propose_solution', resolutionCode: 'solved', resolutionNotes: 'Fixed' }, { type: 'accept' }],
  cancelled: [{ type: 'cancel' }],
};
/** Whom a request its setup drove into `state` is assigned to: Bob, once the setup assigned it. */
export const setupAssignee = (racers: Racers, state: ConsumerState) =>
  SETUPS[state].some((a) => a.type === 'assign') ? { userId: racers.BOB_TOKEN.userId, name: racers.BOB_TOKEN.name } : null;
export const consumerActs = (action: Action) => ['accept', 'reject', 'cancel'].includes(action.type);
