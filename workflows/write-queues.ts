// The exchange workflow's ordered write queues: one per side, so each side sees every change exactly
// once and in order, and one for escalation webhooks. A queue runs one write at a time, each only after
// every earlier one finished; a side that is down holds up only its own queue.
//
// The drains' await structure is part of every recorded history (the relative order of commands in a
// workflow task depends on how many microtask turns each step takes): move code here, don't reshape it.
import { allHandlersFinished, condition, patched } from '@temporalio/workflow';
import type { Side } from '../domain/model';
import { LATE_WRITES_PATCH } from './patches';
import type { Backlog } from './request-state';

export interface QueuedWrite {
  /** Performs the write; runs only after every earlier write to the same side has finished. */
  run(): Promise<void>;
  acceptedAt: number;
  done: boolean;
}

export type QueueName = Side | 'webhooks';

export class WriteQueues {
  private readonly queues: Record<QueueName, QueuedWrite[]> = { consumer: [], provider: [], webhooks: [] };

  /** `finished`: the request is over, so a drained queue ends once no handler is still running. */
  constructor(private readonly finished: () => boolean) {}

  /** Queues a write behind everything queued for the same side before it. */
  enqueue(queue: QueueName, run: () => Promise<void>): QueuedWrite {
    const item: QueuedWrite = { run, acceptedAt: Date.now(), done: false };
    this.queues[queue].push(item);
    return item;
  }

  /** The changes accepted but not yet written to each side. */
  backlog(): Backlog {
    const { consumer, provider } = this.queues;
    return {
      pending: { consumer: consumer.length, provider: provider.length },
      oldestPendingAt: {
        consumer: consumer.length ? new Date(consumer[0].acceptedAt).toISOString() : null,
        provider: provider.length ? new Date(provider[0].acceptedAt).toISOString() : null,
      },
    };
  }

  /** Runs a queue's writes in order, one at a time, until the request is finished and the queue empty. */
  async drain(name: QueueName): Promise<void> {
    const queue = this.queues[name];
    for (;;) {
      await condition(() => queue.length > 0 || (this.finished() && allHandlersFinished()));
      const item = queue[0];
      if (!item) return;
      await item.run();
      item.done = true;
      queue.shift();
    }
  }

  /**
   * One side's last write can queue a change for the other side after that side's queue ended
   * (LATE_WRITES_PATCH, asked only then, so requests that ended without one replay unchanged).
   */
  hasLateWrites(): boolean {
    return (this.queues.consumer.length > 0 || this.queues.provider.length > 0) && patched(LATE_WRITES_PATCH);
  }

  /** Drains both sides' queues again (for late writes). */
  drainSides(): Promise<[void, void]> {
    return Promise.all([this.drain('consumer'), this.drain('provider')]);
  }
}
