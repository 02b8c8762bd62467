// Task queue priority, as the real server's matching applies it by default: a priority key from 1
// (first) to 5 (last), 3 when unset, a larger key taken as 5; within a key, first in first out. An
// activity or child workflow takes its workflow's priority, field by field, where its own is unset.
// Fairness keys and weights are checked and recorded and change no order, as on a real server whose
// `matching.enableFairness` is off (its default).
import type { proto } from './proto';

export type Priority = proto.temporal.api.common.v1.IPriority;

const LEVELS = 5;
export const DEFAULT_PRIORITY_KEY = Math.floor((LEVELS + 1) / 2);
const FAIRNESS_KEY_MAX_BYTES = 64;

/** Where a task goes in its queue's order. */
export function priorityKeyOf(p: Priority | null | undefined): number {
  const key = p?.priorityKey ?? 0;
  return key <= 0 ? DEFAULT_PRIORITY_KEY : Math.min(key, LEVELS);
}

/** `override`'s fields where set, `base`'s otherwise (the real server's priorities.Merge). */
export function mergePriority(base: Priority | null | undefined, override: Priority | null | undefined): Priority | undefined {
  if (!base) return override ?? undefined;
  if (!override) return base;
  return {
    priorityKey: override.priorityKey || base.priorityKey || 0,
    fairnessKey: override.fairnessKey || base.fairnessKey || '',
    fairnessWeight: override.fairnessWeight || base.fairnessWeight || 0,
  };
}

/** What is wrong with a priority, in the real server's words, or undefined. */
export function priorityProblem(p: Priority | null | undefined): string | undefined {
  if (!p) return undefined;
  if ((p.priorityKey ?? 0) < 0) return "priority key can't be negative";
  if (Buffer.byteLength(p.fairnessKey ?? '') > FAIRNESS_KEY_MAX_BYTES) return 'fairness key length exceeds limit';
  if ((p.fairnessWeight ?? 0) < 0) return 'must be greater than zero';
  return undefined;
}
