// The request's state as the exchange workflow holds it: the state machine's view, the resolution, the
// provider's number, the SLA clocks and their version, and the counters that key its changes and
// comments. Pure (no workflow APIs, time is an argument), so it is unit-tested on its own.
import type { Action, ExchangeState, Transition } from '../domain/state-machine';
import { isOpen, providerStateOf, type ConsumerState, type ResolutionCode } from '../domain/model';
import { initialPriority, initialSlaState, nextSlaDeadline, slaDue, slaOnTransition, slaTargetsMs, type SlaEvent, type SlaState, type SlaTargetsMs } from '../domain/sla';
import type { ExchangeInput, ExchangeSnapshot } from './definitions';

export interface RequestStateOptions {
  /** Tracks SLA clocks (SLA_AND_VISIBILITY_PATCH); without, the clocks never run and snapshots show none. */
  withSla: boolean;
  /** The old defect some requests replay with: a comment while resolved restarts the acceptance window. */
  restartAcceptanceWhileResolved: boolean;
  /** Told why the catalog item's SLA targets could not be read; the request then runs without SLAs. */
  onInvalidSla?(reason: string): void;
}

/** What the write queues hold back: accepted changes not yet written, per side. */
export type Backlog = Pick<ExchangeSnapshot, 'pending' | 'oldestPendingAt'>;

export class RequestState {
  /** What the state machine decides on. */
  readonly exchange: ExchangeState;
  resolution: { code: ResolutionCode; notes: string } | null = null;
  /** The provider's parent task number, once its creation returned it. */
  providerNumber: string | null = null;
  /** The consumer's Provider Task exists (what the `created` update waits for). */
  consumerCreated = false;
  /** The SLA clocks, priority and escalation level. */
  sla: SlaState;
  /** Counts every change of the clocks: a timer armed for an older version is stale. */
  slaVersion = 0;
  readonly withSla: boolean;
  private readonly targets: SlaTargetsMs;
  private readonly restartAcceptanceWhileResolved: boolean;
  private changeSeq = 0;
  private commentSeq = 0;

  constructor(
    private readonly input: Pick<ExchangeInput, 'number' | 'consumer' | 'provider' | 'catalogItem'>,
    options: RequestStateOptions,
  ) {
    this.withSla = options.withSla;
    this.restartAcceptanceWhileResolved = options.restartAcceptanceWhileResolved;
    let targets: SlaTargetsMs = {};
    try {
      if (options.withSla) targets = slaTargetsMs(input.catalogItem.sla);
    } catch (err) {
      options.onInvalidSla?.((err as Error).message);
    }
    this.targets = targets;
    this.sla = initialSlaState(initialPriority(input.catalogItem.kind));
    this.exchange = { state: 'new', consumer: input.consumer.instance, provider: input.provider.instance, assignedTo: null };
  }

  get state(): ConsumerState {
    return this.exchange.state;
  }

  isOpen(): boolean {
    return isOpen(this.exchange.state);
  }

  /** The number of the next change: orders each side's writes. */
  nextChange(): number {
    return ++this.changeSeq;
  }

  /** The number of the next comment, shared by both sides. */
  nextComment(): number {
    return ++this.commentSeq;
  }

  /** Applies a decided transition to the state and the SLA clocks at `now`; returns the state it left. */
  apply(t: Transition, action: Action['type'], now: number): ConsumerState {
    const from = this.exchange.state;
    this.exchange.state = t.state;
    if (t.assignedTo) this.exchange.assignedTo = t.assignedTo;
    if (t.resolution !== undefined) this.resolution = t.resolution;
    if (this.withSla) {
      this.sla = slaOnTransition(this.sla, this.targets, from, t.state, now, { assigned: action === 'assign', restartAcceptanceWhileResolved: this.restartAcceptanceWhileResolved });
      this.slaVersion++;
    }
    return from;
  }

  /** When the next SLA event is due (epoch ms), or undefined while no clock runs. */
  nextSlaDeadline(now: number): number | undefined {
    return nextSlaDeadline(this.sla, now);
  }

  /** Moves the clocks past the SLA events due at `now` and returns those events. */
  takeDueSlaEvents(now: number): SlaEvent[] {
    const due = slaDue(this.sla, now);
    this.sla = due.state;
    this.slaVersion++;
    return due.events;
  }

  /** The request as the workflow knows it, with the write queues' backlog. */
  snapshot(backlog: Backlog): ExchangeSnapshot {
    return {
      number: this.input.number,
      providerNumber: this.providerNumber,
      consumerState: this.exchange.state,
      providerState: providerStateOf(this.exchange.state),
      assignedTo: this.exchange.assignedTo ?? null,
      resolution: this.resolution,
      pending: backlog.pending,
      oldestPendingAt: backlog.oldestPendingAt,
      sla: this.withSla ? this.sla : null,
    };
  }
}
