// The proto3 canonical JSON mapping, as Go's protojson (and so Temporal's HTTP API) writes and reads
// it, over the protobufjs reflection of the SDK's protos: lowerCamelCase names (snake_case accepted
// on input), int64 as strings, enums by name, RFC 3339 timestamps, "1.500s" durations, base64 bytes,
// defaults omitted, and the well-known types the Temporal API uses.
import Long from 'long';
import type { Enum, Field, Type } from 'protobufjs';
import { invalidArgument } from './errors';
import { payloadFromShorthand, payloadsToShorthand, payloadToShorthand } from './payload-json';

export interface JsonOptions {
  /** Temporal's payload shorthand (see payload-json.ts); off: payloads as plain messages (base64). */
  payloadShorthand?: boolean;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Obj = Record<string, unknown>;

const LONGS = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INTS = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `google.protobuf.${n}`));
const PAYLOAD = 'temporal.api.common.v1.Payload';
const PAYLOADS = 'temporal.api.common.v1.Payloads';

const fullName = (type: Type) => type.fullName.replace(/^\./, '');
const resolved = (field: Field) => (field.resolvedType ?? field.resolve().resolvedType) as Type | Enum | null;
const isType = (t: Type | Enum | null): t is Type => !!t && 'fieldsArray' in t;

/** protoc's json_name: snake_case to lowerCamelCase. */
export const jsonName = (protoName: string) => protoName.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
const protoNameOf = (field: Field) => (field as Field & { protoName?: string }).protoName ?? field.name;

/** A field by its JSON name or its proto name, as protojson accepts either. */
export function fieldByName(type: Type, name: string): Field | undefined {
  return type.fieldsArray.find((f) => jsonName(protoNameOf(f)) === name || protoNameOf(f) === name);
}

// ---- message → JSON ----

/** A decoded message (or a plain object shaped like one) as protojson writes it. */
export function toJson(type: Type, message: Obj, options: JsonOptions = {}): Json {
  const name = fullName(type);
  if (options.payloadShorthand && name === PAYLOAD) {
    const short = payloadToShorthand(message);
    if (short) return short.value as Json;
  }
  if (options.payloadShorthand && name === PAYLOADS) {
    const short = payloadsToShorthand((message.payloads as Obj[] | undefined) ?? []);
    if (short) return short as Json;
  }
  const special = wellKnownToJson(name, type, message, options);
  if (special !== undefined) return special;
  const out: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const value = message[field.name];
    // Members of a oneof (and proto3 optionals) have presence: written when set, even to a default.
    const hasPresence = !!field.partOf;
    if (value == null) continue;
    if (field.map) {
      const entries = Object.entries(value as Obj);
      if (entries.length) out[jsonName(protoNameOf(field))] = Object.fromEntries(entries.map(([k, v]) => [k, valueToJson(field, v, options)]));
    } else if (field.repeated) {
      if ((value as unknown[]).length) out[jsonName(protoNameOf(field))] = (value as unknown[]).map((v) => valueToJson(field, v, options));
    } else if (hasPresence ? Object.prototype.hasOwnProperty.call(message, field.name) : !isDefault(value)) {
      out[jsonName(protoNameOf(field))] = valueToJson(field, value, options);
    }
  }
  return out;
}

function isDefault(value: unknown): boolean {
  if (Long.isLong(value)) return value.isZero();
  // An absent bytes field reads as protobufjs' default, an empty array.
  if (value instanceof Uint8Array || Array.isArray(value)) return value.length === 0;
  return value === 0 || value === '' || value === false;
}

function valueToJson(field: Field, value: unknown, options: JsonOptions): Json {
  const type = resolved(field);
  if (isType(type)) return toJson(type, value as Obj, options);
  if (type) return (type as Enum).valuesById[value as number] ?? (value as number);
  return scalarToJson(field.type, value);
}

function scalarToJson(kind: string, value: unknown): Json {
  if (LONGS.has(kind)) return Long.isLong(value) ? value.toString() : String(value);
  if (kind === 'bytes') return Buffer.from(value as Uint8Array).toString('base64');
  if (kind === 'double' || kind === 'float') {
    const n = value as number;
    if (Number.isNaN(n)) return 'NaN';
    if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
    return kind === 'float' ? shortestFloat32(n) : n;
  }
  return value as Json;
}

/** A float32 as Go writes it: the shortest decimal that reads back as the same float32. */
function shortestFloat32(n: number): number {
  for (let digits = 1; digits < 17; digits++) {
    const candidate = Number(n.toPrecision(digits));
    if (Math.fround(candidate) === Math.fround(n)) return candidate;
  }
  return n;
}

/** Go's protojson: 0, 3, 6 or 9 fractional digits. */
function fraction(nanos: number): string {
  let x = `.${String(nanos).padStart(9, '0')}`;
  for (let i = 0; i < 2 && x.endsWith('000'); i++) x = x.slice(0, -3);
  return x === '.000' ? '' : x;
}

const int = (v: unknown) => (v == null ? 0 : Long.isLong(v) ? v.toNumber() : Number(v));

function wellKnownToJson(name: string, type: Type, m: Obj, options: JsonOptions): Json | undefined {
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const iso = new Date(int(m.seconds) * 1000).toISOString();
      return `${iso.slice(0, 19)}${fraction(int(m.nanos))}Z`;
    }
    case 'google.protobuf.Duration': {
      const seconds = int(m.seconds);
      const nanos = int(m.nanos);
      const sign = seconds < 0 || nanos < 0 ? '-' : '';
      return `${sign}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
    }
    case 'google.protobuf.FieldMask':
      return ((m.paths as string[] | undefined) ?? []).map((p) => p.split('.').map(jsonName).join('.')).join(',');
    case 'google.protobuf.Struct':
      return Object.fromEntries(Object.entries((m.fields as Obj | undefined) ?? {}).map(([k, v]) => [k, toJson(type.lookupType('Value'), v as Obj, options)]));
    case 'google.protobuf.ListValue':
      return ((m.values as Obj[] | undefined) ?? []).map((v) => toJson(type.lookupType('Value'), v, options));
    case 'google.protobuf.Value': {
      const set = (name: string) => Object.prototype.hasOwnProperty.call(m, name) && m[name] != null;
      if (set('structValue')) return toJson(type.lookupType('Struct'), m.structValue as Obj, options);
      if (set('listValue')) return toJson(type.lookupType('ListValue'), m.listValue as Obj, options);
      if (set('numberValue')) return scalarToJson('double', m.numberValue);
      if (set('stringValue')) return m.stringValue as string;
      if (set('boolValue')) return m.boolValue as boolean;
      return null;
    }
    case 'google.protobuf.Any': {
      const url = String(m.type_url ?? '');
      const inner = type.root.lookupType(url.slice(url.lastIndexOf('/') + 1));
      const json = toJson(inner, inner.decode((m.value as Uint8Array | undefined) ?? new Uint8Array()) as unknown as Obj, options);
      return json !== null && typeof json === 'object' && !Array.isArray(json) && !fullName(inner).startsWith('google.protobuf.')
        ? { '@type': url, ...json }
        : { '@type': url, value: json };
    }
    default:
      if (WRAPPERS.has(name)) return valueToJson(type.fields.value, m.value ?? type.fields.value.typeDefault, options);
      return undefined;
  }
}

// ---- JSON → message ----

const bad = (message: string) => invalidArgument(message);

/**
 * JSON (a request body) as the plain object protobufjs' `Type.fromObject` takes; throws
 * INVALID_ARGUMENT for what protojson refuses (unknown fields, wrong types, bad enum names).
 */
export function fromJson(type: Type, json: unknown, options: JsonOptions = {}): Obj {
  const name = fullName(type);
  if (options.payloadShorthand && name === PAYLOAD) return payloadFromShorthand(json);
  if (options.payloadShorthand && name === PAYLOADS && (json === null || Array.isArray(json))) return { payloads: ((json as unknown[] | null) ?? []).map(payloadFromShorthand) };
  const special = wellKnownFromJson(name, type, json, options);
  if (special !== undefined) return special;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad(`${name}: expected an object, got ${JSON.stringify(json)}`);
  const out: Obj = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByName(type, key);
    if (!field) throw bad(`unknown field "${key}" in ${name}`);
    if (value === null && !isValueField(field)) continue;
    if (field.map) {
      if (typeof value !== 'object' || Array.isArray(value)) throw bad(`${key}: expected an object`);
      out[field.name] = Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, valueFromJson(field, v, options)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw bad(`${key}: expected an array`);
      out[field.name] = value.map((v) => valueFromJson(field, v, options));
    } else {
      out[field.name] = valueFromJson(field, value, options);
    }
  }
  return out;
}

const isValueField = (field: Field) => field.type === 'google.protobuf.Value' || field.type === '.google.protobuf.Value';

function valueFromJson(field: Field, value: unknown, options: JsonOptions): unknown {
  const type = resolved(field);
  if (isType(type)) return fromJson(type, value, options);
  if (type) return enumFromJson(type as Enum, value);
  return scalarFromJson(field.type, value, field.name);
}

function enumFromJson(type: Enum, value: unknown): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && value in type.values) return type.values[value];
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw bad(`invalid value for enum ${type.name}: ${JSON.stringify(value)}`);
}

function scalarFromJson(kind: string, value: unknown, name: string): unknown {
  const wrong = () => bad(`invalid value for ${kind} field ${name}: ${JSON.stringify(value)}`);
  if (LONGS.has(kind) || INTS.has(kind)) {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || !/^-?\d+$/.test(text)) throw wrong();
    return LONGS.has(kind) ? text : Number(text);
  }
  if (kind === 'double' || kind === 'float') {
    if (typeof value === 'number') return value;
    if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
    if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
    throw wrong();
  }
  if (kind === 'bool') {
    if (typeof value !== 'boolean') throw wrong();
    return value;
  }
  if (kind === 'bytes') {
    if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) throw wrong();
    return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  }
  if (typeof value !== 'string') throw wrong();
  return value;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

function wellKnownFromJson(name: string, type: Type, json: unknown, options: JsonOptions): Obj | undefined {
  switch (name) {
    case 'google.protobuf.Timestamp': {
      const match = typeof json === 'string' ? RFC3339.exec(json) : null;
      const ms = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
      if (!match || Number.isNaN(ms)) throw bad(`invalid google.protobuf.Timestamp value ${JSON.stringify(json)}`);
      return { seconds: String(ms / 1000), nanos: Number((match[2] ?? '.').slice(1).padEnd(9, '0')) };
    }
    case 'google.protobuf.Duration': {
      const match = typeof json === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(json) : null;
      if (!match) throw bad(`invalid google.protobuf.Duration value ${JSON.stringify(json)}`);
      const sign = match[1] ? -1 : 1;
      return { seconds: `${match[1] ?? ''}${match[2]}`, nanos: sign * Number((match[3] ?? '').padEnd(9, '0')) };
    }
    case 'google.protobuf.FieldMask':
      if (typeof json !== 'string') throw bad(`invalid google.protobuf.FieldMask value ${JSON.stringify(json)}`);
      return { paths: json === '' ? [] : json.split(',').map((p) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)) };
    case 'google.protobuf.Struct':
      if (json === null || typeof json !== 'object' || Array.isArray(json)) throw bad('google.protobuf.Struct: expected an object');
      return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, fromJson(type.lookupType('Value'), v, options)])) };
    case 'google.protobuf.ListValue':
      if (!Array.isArray(json)) throw bad('google.protobuf.ListValue: expected an array');
      return { values: json.map((v) => fromJson(type.lookupType('Value'), v, options)) };
    case 'google.protobuf.Value':
      if (json === null) return { nullValue: 0 };
      if (typeof json === 'number') return { numberValue: json };
      if (typeof json === 'string') return { stringValue: json };
      if (typeof json === 'boolean') return { boolValue: json };
      if (Array.isArray(json)) return { listValue: fromJson(type.lookupType('ListValue'), json, options) };
      return { structValue: fromJson(type.lookupType('Struct'), json, options) };
    case 'google.protobuf.Any': {
      const { '@type': url, ...rest } = (json ?? {}) as Obj;
      if (typeof url !== 'string') throw bad('google.protobuf.Any: "@type" is required');
      const inner = type.root.lookupType(url.slice(url.lastIndexOf('/') + 1));
      const body = fullName(inner).startsWith('google.protobuf.') ? rest.value : rest;
      return { type_url: url, value: inner.encode(inner.fromObject(fromJson(inner, body, options))).finish() };
    }
    default:
      if (WRAPPERS.has(name)) return { value: valueFromJson(type.fields.value, json, options) };
      return undefined;
  }
}

// ---- URL path and query parameters ----

/**
 * A request field set from a URL (path template variable or query parameter), as grpc-gateway does:
 * `path` is a dotted field path (JSON or proto names), `values` its occurrences (several for a
 * repeated field). Scalars, enums (by name or number) and the well-known types written as strings.
 * A path that names no field is ignored, as grpc-gateway does (e.g. `pretty`).
 */
export function setFromUrl(type: Type, target: Obj, path: string, values: string[]): void {
  const names = path.split('.');
  let current = type;
  let object = target;
  for (const [i, name] of names.entries()) {
    const field = fieldByName(current, name);
    if (!field) return;
    const fieldType = resolved(field);
    const last = i === names.length - 1;
    if (!last) {
      if (!isType(fieldType) || field.repeated || field.map) throw bad(`"${path}" does not name a field of a nested message`);
      object = (object[field.name] ??= {}) as Obj;
      current = fieldType;
      continue;
    }
    if (field.map) throw bad(`"${path}" is a map: it cannot be set from the URL`);
    if (!field.repeated && values.length > 1) throw bad(`too many values for field "${path}": ${values.join(', ')}`);
    const one = (text: string): unknown => {
      if (isType(fieldType)) {
        const wkt = fullName(fieldType);
        if (!wkt.startsWith('google.protobuf.')) throw bad(`"${path}" is a message: it cannot be set from the URL`);
        return fromJson(fieldType, WRAPPERS.has(wkt) ? fromUrlScalar(fieldType.fields.value, text) : text);
      }
      if (fieldType) return enumFromJson(fieldType as Enum, text);
      return scalarFromJson(field.type, fromUrlScalar(field, text), field.name);
    };
    object[field.name] = field.repeated ? values.map(one) : one(values[values.length - 1]);
  }
}

/** A URL's text as the JSON value a scalar field would take (booleans and numbers are not strings in JSON). */
function fromUrlScalar(field: Field, text: string): unknown {
  if (field.type === 'bool') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw bad(`invalid value for bool field ${field.name}: ${text}`);
  }
  return text;
}
