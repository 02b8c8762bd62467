// Temporal's "payload shorthand" (go.temporal.io/api common/v1/payload_json.go, used by the
// frontend's HTTP API unless `noPayloadShorthand`): a Payload whose only metadata is
// `encoding: json/plain` is written as its JSON value itself, a `json/protobuf` one (with only
// `messageType` besides) as its JSON object plus `_protoMessageType`, and a `binary/null` one as
// `{"metadata":{"encoding":"YmluYXJ5L251bGw="}}`; any other payload stays a message (base64). A
// Payloads is written as an array of such values only when every payload has a shorthand. Reading
// takes a value that looks like a plain payload (metadata and data, base64) as one, null as
// binary/null, and anything else as json/plain. The quirks of the Go code are kept on purpose (keys
// sorted, an empty array written as null, a JSON null written as binary/null) so that the answers
// match the real server's byte for byte.

import { invalidArgument } from './errors';

type Obj = Record<string, unknown>;

const BINARY_NULL = { metadata: { encoding: Buffer.from('binary/null').toString('base64') } };
const MESSAGE_TYPE_KEY = '_protoMessageType';

const text = (bytes: unknown) => Buffer.from((bytes as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');

/** The value Go's encoder produces from a decoded JSON value: sorted keys, empty arrays as null. */
function goValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? value.map(goValue) : null;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, goValue((value as Obj)[k])]));
  }
  return value;
}

/** The shorthand of a decoded Payload message, or undefined when it has none. */
export function payloadToShorthand(payload: Obj): { value: unknown } | undefined {
  const metadata = (payload.metadata as Record<string, Uint8Array> | undefined) ?? {};
  const keys = Object.keys(metadata);
  let value: unknown;
  try {
    switch (text(metadata.encoding)) {
      case 'binary/null':
        value = null;
        break;
      case 'json/plain':
        if (keys.length !== 1) return undefined;
        value = JSON.parse(text(payload.data));
        break;
      case 'json/protobuf': {
        const messageType = text(metadata.messageType);
        if (!messageType || keys.length !== 2) return undefined;
        const object = JSON.parse(text(payload.data));
        value = object !== null && typeof object === 'object' ? { ...object, [MESSAGE_TYPE_KEY]: messageType } : object;
        break;
      }
      default:
        return undefined;
    }
  } catch {
    // Go fails the whole answer on data that is not JSON; the plain message form is more useful.
    return undefined;
  }
  return { value: value === null ? BINARY_NULL : goValue(value) };
}

/** The shorthand of a Payloads' list (an array), or undefined unless every payload has one. */
export function payloadsToShorthand(payloads: Obj[]): unknown[] | undefined {
  const values: unknown[] = [];
  for (const payload of payloads) {
    const short = payloadToShorthand(payload);
    if (!short) return undefined;
    values.push(short.value);
  }
  return values;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const bytes = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/** Go's encoding/json output: keys sorted, empty arrays null, <, > and & escaped. */
function goJson(value: unknown): Buffer {
  const json = JSON.stringify(goValue(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(json);
}

/** A plain (non-shorthand) payload object: metadata and data, all base64; binary/null may omit data. */
function plainPayload(value: Obj): Obj | undefined {
  const metadata = value.metadata;
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || !('encoding' in metadata)) return undefined;
  if (!('data' in value) && (metadata as Obj).encoding === BINARY_NULL.metadata.encoding && Object.keys(value).length === 1) {
    return { metadata: { encoding: Buffer.from('binary/null') } };
  }
  if (Object.keys(value).length !== 2 || typeof value.data !== 'string' || !BASE64.test(value.data)) return undefined;
  const entries = Object.entries(metadata as Obj);
  if (!entries.every(([, v]) => typeof v === 'string' && BASE64.test(v))) return undefined;
  return { metadata: Object.fromEntries(entries.map(([k, v]) => [k, bytes(v as string)])), data: bytes(value.data) };
}

/** A Payload (as protobufjs' fromObject takes it) from its JSON, shorthand or not. */
export function payloadFromShorthand(value: unknown): Obj {
  if (value === null) return { metadata: { encoding: Buffer.from('binary/null') } };
  if (typeof value === 'object' && !Array.isArray(value)) {
    const plain = plainPayload(value as Obj);
    if (plain) return plain;
    const { [MESSAGE_TYPE_KEY]: messageType, ...rest } = value as Obj;
    if (messageType !== undefined) {
      if (typeof messageType !== 'string') throw invalidArgument(`${MESSAGE_TYPE_KEY} must be a string`);
      return { metadata: { encoding: Buffer.from('json/protobuf'), messageType: Buffer.from(messageType) }, data: goJson(rest) };
    }
  }
  return { metadata: { encoding: Buffer.from('json/plain') }, data: goJson(value) };
}
