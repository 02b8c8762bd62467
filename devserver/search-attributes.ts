import { api, type Payload, type SearchAttributes } from './proto';
import { invalidArgument } from './errors';
import type { RecordValue, SearchAttributeKind } from './visibility-query';

const IndexedValueType = api.enums.v1.IndexedValueType;

const kindByIndexedType: Record<number, SearchAttributeKind> = {
  [IndexedValueType.INDEXED_VALUE_TYPE_TEXT]: 'Text',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]: 'Keyword',
  [IndexedValueType.INDEXED_VALUE_TYPE_INT]: 'Int',
  [IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE]: 'Double',
  [IndexedValueType.INDEXED_VALUE_TYPE_BOOL]: 'Bool',
  [IndexedValueType.INDEXED_VALUE_TYPE_DATETIME]: 'Datetime',
  [IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST]: 'KeywordList',
};

export const kindFromIndexedType = (t: number): SearchAttributeKind | undefined => kindByIndexedType[t];

export function indexedTypeFromKind(kind: SearchAttributeKind): number {
  return Number(Object.entries(kindByIndexedType).find(([, k]) => k === kind)![0]);
}

/** Attributes every execution has, answered from the execution itself. */
export const systemAttributes: ReadonlyMap<string, SearchAttributeKind> = new Map<string, SearchAttributeKind>([
  ['WorkflowId', 'Keyword'],
  ['RunId', 'Keyword'],
  ['WorkflowType', 'Keyword'],
  ['ExecutionStatus', 'Keyword'],
  ['TaskQueue', 'Keyword'],
  ['StartTime', 'Datetime'],
  ['CloseTime', 'Datetime'],
  ['ExecutionTime', 'Datetime'],
  ['ExecutionDuration', 'Int'],
  ['HistoryLength', 'Int'],
  ['ParentWorkflowId', 'Keyword'],
  ['ParentRunId', 'Keyword'],
  ['RootWorkflowId', 'Keyword'],
  ['RootRunId', 'Keyword'],
  ['TemporalChangeVersion', 'KeywordList'],
  ['BuildIds', 'KeywordList'],
  // Set by schedules on the workflows they start.
  ['TemporalScheduledStartTime', 'Datetime'],
  ['TemporalScheduledById', 'Keyword'],
  // The real server's system workflows (a schedule's scheduler, paused or not); no run of ours is one.
  ['TemporalNamespaceDivision', 'Keyword'],
  ['TemporalSchedulePaused', 'Bool'],
]);

/** System attributes SDKs set themselves: patched() records its patch ids in TemporalChangeVersion. */
const sdkWritableSystemAttributes: ReadonlyMap<string, SearchAttributeKind> = new Map([['TemporalChangeVersion', 'KeywordList']]);

/** The custom attributes Temporal's own dev server registers out of the box. */
export const defaultCustomAttributes: ReadonlyArray<[string, SearchAttributeKind]> = [
  ['CustomKeywordField', 'Keyword'],
  ['CustomStringField', 'Text'],
  ['CustomTextField', 'Text'],
  ['CustomIntField', 'Int'],
  ['CustomDoubleField', 'Double'],
  ['CustomBoolField', 'Bool'],
  ['CustomDatetimeField', 'Datetime'],
];

function parsePayload(payload: Payload): unknown {
  if (!payload.data || payload.data.length === 0) return null;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Decodes a search attribute payload to the value the query language compares. */
export function decodeAttribute(kind: SearchAttributeKind, payload: Payload): RecordValue {
  const raw = parsePayload(payload);
  if (raw === null || raw === undefined) return undefined;
  if (kind === 'KeywordList') return (Array.isArray(raw) ? raw : [raw]).map(String);
  const single = Array.isArray(raw) ? raw[0] : raw;
  if (single === undefined || single === null) return undefined;
  switch (kind) {
    case 'Int':
    case 'Double':
      return Number(single);
    case 'Bool':
      return single === true || single === 'true';
    case 'Datetime':
      return typeof single === 'number' ? single : Date.parse(String(single));
    default:
      return String(single);
  }
}

function valueFits(kind: SearchAttributeKind, raw: unknown): boolean {
  const values = Array.isArray(raw) ? raw : [raw];
  if (kind !== 'KeywordList' && Array.isArray(raw) && raw.length > 1) return false;
  return values.every((v) => {
    switch (kind) {
      case 'Int':
        return typeof v === 'number' && Number.isInteger(v);
      case 'Double':
        return typeof v === 'number';
      case 'Bool':
        return typeof v === 'boolean';
      case 'Datetime':
        return typeof v === 'string' && !Number.isNaN(Date.parse(v));
      default:
        return typeof v === 'string';
    }
  });
}

/**
 * Checks attributes against the namespace's registered ones, as the real server does on start and
 * upsert, and returns them with the `type` metadata the real server adds so SDKs decode them typed.
 */
export function validateAttributes(
  attrs: SearchAttributes | null | undefined,
  custom: ReadonlyMap<string, SearchAttributeKind>,
): Record<string, Payload> {
  const out: Record<string, Payload> = {};
  for (const [name, payload] of Object.entries(attrs?.indexedFields ?? {})) {
    const kind = custom.get(name) ?? sdkWritableSystemAttributes.get(name);
    if (!kind) {
      throw invalidArgument(
        systemAttributes.has(name)
          ? `Search attribute ${name} is reserved by the system.`
          : `Namespace has no mapping defined for search attribute ${name}.`,
      );
    }
    const raw = parsePayload(payload);
    if (raw === undefined || (raw !== null && !(Array.isArray(raw) && raw.length === 0) && !valueFits(kind, raw))) {
      throw invalidArgument(`invalid value for search attribute ${name} of type ${kind}: ${Buffer.from(payload.data ?? []).toString('utf8')}`);
    }
    out[name] = {
      metadata: { ...payload.metadata, type: Buffer.from(kind) },
      data: payload.data,
    };
  }
  return out;
}

/** True when an upserted payload clears the attribute (null or an empty list). */
export function isUnset(payload: Payload): boolean {
  const raw = parsePayload(payload);
  return raw === null || (Array.isArray(raw) && raw.length === 0);
}
