import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { decodeMessage, encodeMessage, long, num, timestamp, type Payload, type proto } from './proto';
import { ServiceError, alreadyExists, invalidArgument, notFound } from './errors';
import type { Journal, JournalRecord } from './journal';
import type { Namespaces } from './namespaces';

type EndpointSpec = proto.temporal.api.nexus.v1.IEndpointSpec;

/** A Nexus endpoint: a name callers use, routed to a namespace's task queue whose workers handle it. */
export interface NexusEndpoint {
  id: string;
  version: number;
  name: string;
  description?: Payload;
  namespace: string;
  taskQueue: string;
  createdTime: number;
  lastModifiedTime: number;
}

// The real server's rule for endpoint names (nexus endpoint name validation).
const NAME = /^[a-zA-Z][a-zA-Z0-9\-_]*$/;
const MAX_NAME_LENGTH = 200;

/**
 * The Nexus endpoint registry (the operator service's CreateNexusEndpoint and its family), one per
 * server as on a real cluster. Endpoints target a worker's task queue; external (URL) targets are not
 * implemented. Each change is journaled before the RPC answers.
 */
export class NexusEndpoints {
  private readonly byId = new Map<string, NexusEndpoint>();

  constructor(
    private readonly namespaces: Namespaces,
    private readonly now: () => number,
    private readonly journal?: Journal,
  ) {}

  create(spec: EndpointSpec | null | undefined): NexusEndpoint {
    const fields = this.validated(spec);
    if (this.byName(fields.name)) throw alreadyExists(`error creating Nexus endpoint: endpoint with name ${fields.name} already registered`);
    const now = this.now();
    const endpoint: NexusEndpoint = { id: randomUUID(), version: 1, ...fields, createdTime: now, lastModifiedTime: now };
    this.save(endpoint);
    return endpoint;
  }

  update(id: string, version: number, spec: EndpointSpec | null | undefined): NexusEndpoint {
    const current = this.current(id, version);
    const fields = this.validated(spec);
    const other = this.byName(fields.name);
    if (other && other.id !== id) throw alreadyExists(`error updating Nexus endpoint: endpoint with name ${fields.name} already registered`);
    const endpoint = { ...current, ...fields, version: current.version + 1, lastModifiedTime: this.now() };
    this.save(endpoint);
    return endpoint;
  }

  delete(id: string, version: number): void {
    this.current(id, version);
    this.byId.delete(id);
    this.journal?.write([{ t: 'nexus-endpoint-deleted', id }]);
  }

  get(id: string): NexusEndpoint {
    if (!id) throw invalidArgument('endpoint ID not set');
    const endpoint = this.byId.get(id);
    if (!endpoint) throw notFound(`could not find Nexus endpoint with ID: ${id}`);
    return endpoint;
  }

  /** The endpoint, if `version` is its current one (updates and deletes name the version they saw). */
  private current(id: string, version: number): NexusEndpoint {
    const endpoint = this.get(id);
    if (endpoint.version !== version) throw new ServiceError(status.FAILED_PRECONDITION, `nexus endpoint version mismatch: ${version} != ${endpoint.version}`);
    return endpoint;
  }

  byName(name: string): NexusEndpoint | undefined {
    for (const e of this.byId.values()) if (e.name === name) return e;
    return undefined;
  }

  /** Every endpoint, by name, as ListNexusEndpoints pages them. */
  list(): NexusEndpoint[] {
    return [...this.byId.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  toProto(e: NexusEndpoint): proto.temporal.api.nexus.v1.IEndpoint {
    return {
      version: long(e.version),
      id: e.id,
      spec: { name: e.name, description: e.description, target: { worker: { namespace: e.namespace, taskQueue: e.taskQueue } } },
      createdTime: timestamp(e.createdTime),
      lastModifiedTime: timestamp(e.lastModifiedTime),
      urlPrefix: `/nexus/endpoints/${e.id}`,
    };
  }

  private validated(spec: EndpointSpec | null | undefined): Pick<NexusEndpoint, 'name' | 'description' | 'namespace' | 'taskQueue'> {
    const name = spec?.name ?? '';
    if (!name) throw invalidArgument('endpoint name not set');
    if (name.length > MAX_NAME_LENGTH || !NAME.test(name)) throw invalidArgument(`invalid endpoint name: ${name} (must match ${NAME.source}, at most ${MAX_NAME_LENGTH} characters)`);
    if (spec?.target?.external) throw new ServiceError(status.UNIMPLEMENTED, 'The dev server does not support external Nexus endpoint targets (target.external); use a worker target.');
    const worker = spec?.target?.worker;
    if (!worker?.namespace || !worker.taskQueue) throw invalidArgument('an endpoint target worker with a namespace and a task queue is required');
    // Throws NOT_FOUND for a namespace that does not exist, as the real server's validation does.
    const namespace = this.namespaces.get(worker.namespace).name;
    return { name, description: spec?.description ?? undefined, namespace, taskQueue: worker.taskQueue };
  }

  private save(endpoint: NexusEndpoint): void {
    this.byId.set(endpoint.id, endpoint);
    this.journal?.write([this.record(endpoint)]);
  }

  private record(e: NexusEndpoint): JournalRecord {
    const description = e.description ? Buffer.from(encodeMessage('temporal.api.common.v1.Payload', e.description)).toString('base64') : undefined;
    return { t: 'nexus-endpoint', e: JSON.stringify({ ...e, description }) };
  }

  restore(state: string): void {
    const raw = JSON.parse(state) as NexusEndpoint & { description?: string };
    const description = raw.description ? decodeMessage<Payload>('temporal.api.common.v1.Payload', Buffer.from(raw.description, 'base64')) : undefined;
    this.byId.set(raw.id, { ...raw, version: num(raw.version), description });
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  *records(): Iterable<JournalRecord> {
    for (const e of this.byId.values()) yield this.record(e);
  }
}
