// Everything the dev server knows about Temporal's wire format comes from the SDK's own
// compiled protos (@temporalio/proto), so upgrading the SDK upgrades the API surface too.
import proto from '@temporalio/proto';
import type * as grpc from '@grpc/grpc-js';
import type { Type, Service } from 'protobufjs';
import Long from 'long';

export const { temporal, google } = proto;
export type { proto };

export const api = temporal.api;
export const EventType = api.enums.v1.EventType;
export const CommandType = api.enums.v1.CommandType;
export const WorkflowExecutionStatus = api.enums.v1.WorkflowExecutionStatus;

export type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
export type Payloads = proto.temporal.api.common.v1.IPayloads;
export type Payload = proto.temporal.api.common.v1.IPayload;
export type Failure = proto.temporal.api.failure.v1.IFailure;
export type RetryPolicy = proto.temporal.api.common.v1.IRetryPolicy;
export type SearchAttributes = proto.temporal.api.common.v1.ISearchAttributes;
export type Memo = proto.temporal.api.common.v1.IMemo;
export type Header = proto.temporal.api.common.v1.IHeader;
export type Command = proto.temporal.api.command.v1.ICommand;
export type ProtocolMessage = proto.temporal.api.protocol.v1.IMessage;
export type DurationMsg = proto.google.protobuf.IDuration;
export type TimestampMsg = proto.google.protobuf.ITimestamp;

export const reflectionRoot = (proto as unknown as { lookupService(name: string): Service; lookupType(name: string): Type });

/** Builds a grpc-js service definition straight from the protobufjs reflection of a service. */
export function serviceDefinition(fullName: string): grpc.ServiceDefinition {
  const service = reflectionRoot.lookupService(fullName);
  const path = `/${fullName}/`;
  const def: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const method of service.methodsArray) {
    const requestType = reflectionRoot.lookupType(method.resolvedRequestType?.fullName ?? method.requestType);
    const responseType = reflectionRoot.lookupType(method.resolvedResponseType?.fullName ?? method.responseType);
    def[method.name] = {
      path: path + method.name,
      requestStream: false,
      responseStream: false,
      requestSerialize: (value: object) => Buffer.from(requestType.encode(value).finish()),
      requestDeserialize: (bytes: Buffer) => requestType.decode(bytes),
      responseSerialize: (value: object) => Buffer.from(responseType.encode(responseType.fromObject(value)).finish()),
      responseDeserialize: (bytes: Buffer) => responseType.decode(bytes),
    };
  }
  return def;
}

export function methodNames(fullName: string): string[] {
  return reflectionRoot.lookupService(fullName).methodsArray.map((m) => m.name);
}

export const encodeMessage = (typeName: string, value: object): Uint8Array =>
  reflectionRoot.lookupType(typeName).encode(reflectionRoot.lookupType(typeName).fromObject(value)).finish();

export const decodeMessage = <T>(typeName: string, bytes: Uint8Array): T =>
  reflectionRoot.lookupType(typeName).decode(bytes) as T;

// protobufjs gives int64 as Long (or number when built without Long); normalise at the edge.
export function num(value: Long | number | string | null | undefined): number {
  if (value == null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  return value.toNumber();
}

export function durationMs(d: DurationMsg | null | undefined): number {
  if (!d) return 0;
  return num(d.seconds as Long | number) * 1000 + Math.floor((d.nanos ?? 0) / 1e6);
}

export function msDuration(ms: number): DurationMsg {
  const seconds = Math.floor(ms / 1000);
  return { seconds: Long.fromNumber(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestamp(ms: number): TimestampMsg {
  const seconds = Math.floor(ms / 1000);
  return { seconds: Long.fromNumber(seconds), nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export const timestampMs = durationMs as (t: TimestampMsg | null | undefined) => number;

export function long(n: number): Long {
  return Long.fromNumber(n);
}
