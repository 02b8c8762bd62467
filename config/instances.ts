import { existsSync, readFileSync } from 'node:fs';
import { DomainError } from '../domain/errors';

/** An organization running its own instance, with its own database. */
export interface InstanceConfig {
  /** Short stable id: lower-case letters, digits and dashes. Used in URLs, tokens and workflow ids. */
  id: string;
  /** The organization's display name, as shown next to people's names ("Ann (Acme Corp)"). */
  name: string;
  /** PostgreSQL connection string for this instance; see README for the defaults. */
  databaseUrl?: string;
  /** Where this instance wants SLA escalations POSTed, signed with HMAC-SHA256 of `webhookSecret`. */
  webhookUrl?: string;
  webhookSecret?: string;
}

export const DEFAULT_INSTANCES: InstanceConfig[] = [
  { id: 'acme', name: 'Acme Corp' },
  { id: 'globex', name: 'Globex Services' },
];

/** Reads the instances file (INSTANCES_FILE); without one, the two demo organizations. */
export function loadInstances(path: string | undefined): InstanceConfig[] {
  if (!path) return DEFAULT_INSTANCES;
  if (!existsSync(path)) throw new Error(`instances file ${path} does not exist`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`instances file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const list = (parsed as { instances?: unknown })?.instances;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`instances file ${path} must hold {"instances": [{"id": ..., "name": ...}, ...]}`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const inst = raw as InstanceConfig;
    if (typeof inst?.id !== 'string' || !/^[a-z][a-z0-9-]{0,30}$/.test(inst.id)) {
      throw new Error(`instances[${i}].id must be lower-case letters, digits and dashes, starting with a letter`);
    }
    if (seen.has(inst.id)) throw new Error(`instances file lists ${inst.id} twice`);
    seen.add(inst.id);
    if (typeof inst.name !== 'string' || !inst.name.trim()) throw new Error(`instances[${i}].name must be a non-empty text`);
    if (inst.databaseUrl !== undefined && typeof inst.databaseUrl !== 'string') throw new Error(`instances[${i}].databaseUrl must be a text`);
    if (inst.webhookUrl !== undefined) {
      if (typeof inst.webhookUrl !== 'string' || !/^https?:\/\//.test(inst.webhookUrl)) throw new Error(`instances[${i}].webhookUrl must be an http(s) URL`);
      if (typeof inst.webhookSecret !== 'string' || inst.webhookSecret.length < 16) throw new Error(`instances[${i}].webhookSecret must be at least 16 characters when webhookUrl is set`);
    }
    return { id: inst.id, name: inst.name, databaseUrl: inst.databaseUrl, webhookUrl: inst.webhookUrl, webhookSecret: inst.webhookSecret };
  });
}

export function unknownInstance(id: string): DomainError {
  return new DomainError('not_found', `Unknown instance ${id}`);
}
