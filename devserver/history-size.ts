import { api, long } from './proto';
import type { Execution } from './execution';

const { SuggestContinueAsNewReason } = api.enums.v1;

// Temporal's defaults: limit.historyCount.suggestContinueAsNew and limit.historySize.suggestContinueAsNew.
const SUGGEST_AT_EVENT_COUNT = 4 * 1024;
const SUGGEST_AT_SIZE_BYTES = 4 * 1024 * 1024;

/**
 * What a workflow task's started event tells the workflow about its history (the SDKs' historySize
 * and continueAsNewSuggested), as the real server computes it: the size of the events written
 * before the started event, and the started event's id against the count limit.
 */
export function historySizeInfo(exec: Execution) {
  const reasons: number[] = [];
  if (exec.historySizeBytes >= SUGGEST_AT_SIZE_BYTES) reasons.push(SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_HISTORY_SIZE_TOO_LARGE);
  if (exec.nextEventId >= SUGGEST_AT_EVENT_COUNT) reasons.push(SuggestContinueAsNewReason.SUGGEST_CONTINUE_AS_NEW_REASON_TOO_MANY_HISTORY_EVENTS);
  return {
    historySizeBytes: long(exec.historySizeBytes),
    suggestContinueAsNew: reasons.length > 0,
    suggestContinueAsNewReasons: reasons,
  };
}
