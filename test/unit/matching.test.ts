import { describe, expect, it } from 'vitest';
import { Matching } from '../../devserver/matching';
import { RateLimit } from '../../devserver/rate-limit';
import { DEFAULT_PRIORITY_KEY, mergePriority, priorityKeyOf, priorityProblem } from '../../devserver/priority';

// The dev server's task matching, which workflow and activity tasks share: a backlog in priority
// order, first in first out within a key; a waiting poller gets a task at once, whatever its priority.

const poller = { identity: 'worker-1' };
const alive = () => true;

/** Polls `queue` until it is empty; the tasks' names in the order they were handed out. */
async function drainInOrder(m: Matching<typeof poller, string>, queue: string, count: number): Promise<string[]> {
  const taken: string[] = [];
  for (let i = 0; i < count; i++) taken.push((await m.poll(queue, poller, 10, alive))!);
  return taken;
}

describe('Matching', () => {
  it('hands a backlog out lowest priority key first, first in first out within a key', async () => {
    const m = new Matching<typeof poller, string>();
    const keys = [5, DEFAULT_PRIORITY_KEY, 1, 3, 2, 5, 1];
    keys.forEach((key, i) => m.offer('q', () => `${i}:${key}`, key));
    expect(await drainInOrder(m, 'q', keys.length)).toEqual(['2:1', '6:1', '4:2', '1:3', '3:3', '0:5', '5:5']);
    expect(await m.poll('q', poller, 10, alive)).toBeUndefined();
  });

  it('gives a task to a poller already waiting, and skips a task that went stale in the backlog', async () => {
    const m = new Matching<typeof poller, string>();
    const waiting = m.poll('q', poller, 1_000, alive);
    m.offer('q', () => 'at once', 5);
    expect(await waiting).toBe('at once');
    m.offer('q', () => undefined, 1);
    m.offer('q', () => 'next', 3);
    expect(await m.poll('q', poller, 10, alive)).toBe('next');
  });
});

describe('priority', () => {
  it('clips the key (unset is the default 3, above 5 is 5) and merges field by field', () => {
    expect([undefined, { priorityKey: 0 }, { priorityKey: 1 }, { priorityKey: 9 }].map(priorityKeyOf)).toEqual([3, 3, 1, 5]);
    expect(mergePriority({ priorityKey: 2, fairnessKey: 'a' }, { fairnessKey: 'b' })).toEqual({ priorityKey: 2, fairnessKey: 'b', fairnessWeight: 0 });
    expect(mergePriority(undefined, { priorityKey: 4 })).toEqual({ priorityKey: 4 });
    expect(mergePriority({ priorityKey: 4 }, null)).toEqual({ priorityKey: 4 });
  });

  it("names what is wrong as the real server does", () => {
    expect(priorityProblem({ priorityKey: -1 })).toBe("priority key can't be negative");
    expect(priorityProblem({ fairnessKey: 'é'.repeat(33) })).toBe('fairness key length exceeds limit');
    expect(priorityProblem({ fairnessWeight: -0.5 })).toBe('must be greater than zero');
    expect(priorityProblem({ priorityKey: 5, fairnessKey: 'k'.repeat(64), fairnessWeight: 2 })).toBeUndefined();
  });
});

describe('RateLimit (a queue polled with maxTasksPerSecond)', () => {
  it('lets a burst of ceil(rate) tasks go at once, then one per 1/rate; a new rate applies from then on', () => {
    let now = 0;
    const limit = new RateLimit(2.5, now);
    const takeAll = () => {
      let taken = 0;
      while (limit.available(now)) {
        limit.take();
        taken++;
      }
      return taken;
    };
    expect(takeAll()).toBe(3);
    expect(limit.waitMs(now)).toBe(400);
    now += 399;
    expect(limit.available(now)).toBe(false);
    now += 1;
    expect(takeAll()).toBe(1);
    // Idle for a long time: the bucket holds no more than the burst.
    now += 60_000;
    expect(takeAll()).toBe(3);
    limit.setRate(10, now);
    expect(limit.waitMs(now)).toBe(100);
    now += 1_000;
    expect(takeAll()).toBe(10);
    // A rate under one a second still lets one task go.
    limit.setRate(0.5, now);
    now += 2_000;
    expect(takeAll()).toBe(1);
    expect(limit.waitMs(now)).toBe(2_000);
  });
});
