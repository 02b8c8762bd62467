// Temporal's HTTP API: the routes come from the `google.api.http` annotations of the SDK's own
// protos (their `/api/v1/...` bindings, which Temporal's frontend and UI server serve), each
// answered by the same handler as its gRPC method, in the JSON mapping of proto-json.ts. What
// grpc-gateway does is followed: path variables fill (nested) request fields, the body fills the
// request ("*") or one field, query parameters fill the rest (none with body "*"), and errors
// answer `{code, message, details}` with the HTTP status of their gRPC code.
import { status } from '@grpc/grpc-js';
import type { Method, Type } from 'protobufjs';
import { reflectionRoot } from './proto';
import { ServiceError, asServiceError, invalidArgument, statusDetails } from './errors';
import { fieldByName, fromJson, jsonName, setFromUrl, toJson, type JsonOptions } from './proto-json';
import type { CallContext } from './rpc-common';
import type { Services } from './grpc-server';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  /** The annotation's path template, e.g. /api/v1/namespaces/{namespace}/workflows/{execution.workflow_id}. */
  template: string;
  /** The same path for Fastify: the template's variables as :p0, :p1... in order. */
  url: string;
  /** The request field each variable sets (dotted proto names), in order. */
  pathFields: string[];
  /** "*": the body is the request; a field name: the body is that field; undefined: no body. */
  body?: string;
  service: keyof Pick<Services, 'workflow' | 'operator'>;
  /** The gRPC method's full path, as grpc-js names it. */
  grpcPath: string;
  rpc: string;
  requestType: Type;
  responseType: Type;
}

const SERVICES = { workflow: 'temporal.api.workflowservice.v1.WorkflowService', operator: 'temporal.api.operatorservice.v1.OperatorService' } as const;
const VERBS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface HttpRule {
  get?: string;
  post?: string;
  put?: string;
  patch?: string;
  delete?: string;
  body?: string;
  additional_bindings?: HttpRule | HttpRule[];
}

/** A method's HTTP rule and its additional bindings, flattened. */
function bindingsOf(method: Method): HttpRule[] {
  const rules = (method.parsedOptions ?? []).flatMap((o: Record<string, HttpRule>) => (o['(google.api.http)'] ? [o['(google.api.http)']] : []));
  return rules.flatMap((rule) => [rule, ...[rule.additional_bindings ?? []].flat()]);
}

/** Every `/api/v1/...` binding of the WorkflowService and OperatorService methods. */
export function httpRoutes(): HttpRoute[] {
  const routes: HttpRoute[] = [];
  for (const [service, serviceName] of Object.entries(SERVICES) as [HttpRoute['service'], string][]) {
    for (const method of reflectionRoot.lookupService(serviceName).methodsArray) {
      for (const rule of bindingsOf(method)) {
        const verb = VERBS.find((v) => rule[v]);
        const template = verb && rule[verb];
        // Only single-segment variables ({a.b}) occur; a template with {a=pattern} is left out.
        if (!verb || !template?.startsWith('/api/v1/') || template.includes('=')) continue;
        const pathFields: string[] = [];
        // A literal ':' (a custom verb) is written '::' for Fastify's router.
        const url = template.replace(/:/g, '::').replace(/\{([^}]+)\}/g, (_, field: string) => `:p${pathFields.push(field) - 1}`);
        routes.push({
          method: verb.toUpperCase() as HttpMethod,
          template,
          url,
          pathFields,
          body: rule.body || undefined,
          service,
          grpcPath: `/${serviceName}/${method.name}`,
          rpc: method.name,
          requestType: reflectionRoot.lookupType(method.resolvedRequestType?.fullName ?? method.requestType),
          responseType: reflectionRoot.lookupType(method.resolvedResponseType?.fullName ?? method.responseType),
        });
      }
    }
  }
  return routes;
}

export interface HttpCall {
  /** The path variables' values, in the template's order. */
  params: string[];
  query: Record<string, string[]>;
  /** The raw request body ('' when none). */
  body: string;
  context: CallContext;
  json: JsonOptions;
}

export type JsonAnswer = { status: number; body: unknown };

/** Answers one HTTP API request by calling the method's gRPC handler. */
export async function callRoute(route: HttpRoute, services: Services, call: HttpCall, log: (msg: string) => void): Promise<JsonAnswer> {
  try {
    const request = requestOf(route, call);
    const handler = services[route.service][route.rpc];
    if (!handler) throw new ServiceError(status.UNIMPLEMENTED, `The server does not implement the method ${route.grpcPath}`);
    const response = (await handler(request, call.context)) ?? {};
    const { responseType } = route;
    const message = responseType.decode(responseType.encode(responseType.fromObject(response)).finish());
    return { status: 200, body: toJson(responseType, message as unknown as Record<string, unknown>, call.json) };
  } catch (err) {
    return errorAnswer(asServiceError(err, log), call.json);
  }
}

/** The request message: body first, then path variables, then query parameters, as grpc-gateway fills it. */
function requestOf(route: HttpRoute, call: HttpCall) {
  const { requestType } = route;
  let plain: Record<string, unknown> = {};
  const bodyText = call.body.trim();
  if (route.body && bodyText) {
    let json: unknown;
    try {
      json = JSON.parse(bodyText);
    } catch (err) {
      throw invalidArgument(`invalid JSON body: ${(err as Error).message}`);
    }
    if (route.body === '*') plain = fromJson(requestType, json, call.json);
    else {
      const field = fieldByName(requestType, jsonName(route.body))!;
      plain[field.name] = fromJson(field.resolve().resolvedType as Type, json, call.json);
    }
  }
  route.pathFields.forEach((field, i) => setFromUrl(requestType, plain, field, [call.params[i]]));
  if (route.body !== '*') {
    // Query parameters never override the fields the path or the body set.
    const taken = [...route.pathFields, ...(route.body ? [route.body] : [])].map(canonical);
    for (const [key, values] of Object.entries(call.query)) {
      const path = canonical(key);
      if (taken.some((t) => path === t || path.startsWith(`${t}.`))) continue;
      setFromUrl(requestType, plain, key, values);
    }
  }
  let message;
  try {
    message = requestType.fromObject(plain);
  } catch (err) {
    throw invalidArgument((err as Error).message);
  }
  // Through the wire format, so the handler sees exactly what a gRPC call would give it.
  return requestType.decode(requestType.encode(message).finish());
}

const canonical = (path: string) => path.split('.').map(jsonName).join('.');

// grpc-gateway's runtime.HTTPStatusFromCode.
const HTTP_STATUS: Record<number, number> = {
  [status.OK]: 200,
  [status.CANCELLED]: 499,
  [status.UNKNOWN]: 500,
  [status.INVALID_ARGUMENT]: 400,
  [status.DEADLINE_EXCEEDED]: 504,
  [status.NOT_FOUND]: 404,
  [status.ALREADY_EXISTS]: 409,
  [status.PERMISSION_DENIED]: 403,
  [status.UNAUTHENTICATED]: 401,
  [status.RESOURCE_EXHAUSTED]: 429,
  [status.FAILED_PRECONDITION]: 400,
  [status.ABORTED]: 409,
  [status.OUT_OF_RANGE]: 400,
  [status.UNIMPLEMENTED]: 501,
  [status.INTERNAL]: 500,
  [status.UNAVAILABLE]: 503,
  [status.DATA_LOSS]: 500,
};

/** A gRPC status as the HTTP API answers it: google.rpc.Status in JSON, typed details as Any. */
export function errorAnswer(err: ServiceError, json: JsonOptions = {}): JsonAnswer {
  const statusType = reflectionRoot.lookupType('google.rpc.Status');
  const message = statusType.fromObject({ code: err.code, message: err.message, details: statusDetails(err) });
  return { status: HTTP_STATUS[err.code] ?? 500, body: toJson(statusType, message as unknown as Record<string, unknown>, json) };
}
