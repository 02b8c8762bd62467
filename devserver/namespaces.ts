import { randomUUID } from 'node:crypto';
import { alreadyExists, invalidArgument, notFound } from './errors';
import { defaultCustomAttributes, systemAttributes } from './search-attributes';
import type { SearchAttributeKind } from './visibility-query';
import type { JournalRecord } from './journal';

export interface NamespaceState {
  name: string;
  id: string;
  /** Closed runs are deleted this long after they close (workflowExecutionRetentionTtl). */
  retentionMs: number;
  description: string;
  customAttributes: Map<string, SearchAttributeKind>;
}

export const DAY_MS = 86_400_000;

const KINDS: SearchAttributeKind[] = ['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'];

/** Registered namespaces and their custom search attributes. */
export class Namespaces {
  private readonly byName = new Map<string, NamespaceState>();

  constructor(
    private readonly record: (rec: JournalRecord) => void,
    private readonly extraAttributes: ReadonlyArray<[string, SearchAttributeKind]> = [],
    /** The retention of the namespaces the server creates at start (`default`, 24 h, as `temporal server start-dev`). */
    private readonly startRetentionMs = DAY_MS,
  ) {}

  /**
   * Creates `default` (and any configured attributes) unless recovery already brought them back; a
   * recovered one takes the configured retention, so a restart with another setting applies it.
   */
  ensureDefault(name = 'default'): void {
    const existing = this.byName.get(name);
    if (!existing) this.register(name, this.startRetentionMs, '');
    else if (existing.retentionMs !== this.startRetentionMs) {
      const rec = { t: 'ns' as const, name, id: existing.id, retentionMs: this.startRetentionMs };
      this.record(rec);
      this.restore(rec);
    }
    for (const [attr, kind] of this.extraAttributes) {
      if (!this.get(name).customAttributes.has(attr)) this.addAttribute(name, attr, kind);
    }
  }

  get(name: string | null | undefined): NamespaceState {
    if (!name) throw invalidArgument('Namespace not set on request.');
    const ns = this.byName.get(name);
    if (!ns) throw notFound(`Namespace ${name} is not found.`);
    return ns;
  }

  byId(id: string): NamespaceState {
    const ns = [...this.byName.values()].find((n) => n.id === id);
    if (!ns) throw notFound(`Namespace ID ${id} is not found.`);
    return ns;
  }

  list(): NamespaceState[] {
    return [...this.byName.values()];
  }

  register(name: string, retentionMs: number, description: string): NamespaceState {
    if (!name) throw invalidArgument('Namespace not set on request.');
    if (this.byName.has(name)) throw alreadyExists(`Namespace ${name} already exists.`);
    const rec = { t: 'ns' as const, name, id: randomUUID(), retentionMs };
    this.record(rec);
    return this.restore(rec, description);
  }

  /** A journaled namespace; one seen before only changes its retention (data dirs before retentionMs held whole days). */
  restore(rec: { name: string; id: string; retentionMs?: number; retentionDays?: number }, description = ''): NamespaceState {
    const retentionMs = rec.retentionMs ?? (rec.retentionDays ?? 1) * DAY_MS;
    const known = this.byName.get(rec.name);
    if (known) {
      known.retentionMs = retentionMs;
      return known;
    }
    const ns: NamespaceState = { name: rec.name, id: rec.id, retentionMs, description, customAttributes: new Map(defaultCustomAttributes) };
    this.byName.set(rec.name, ns);
    return ns;
  }

  addAttribute(nsName: string, name: string, kind: SearchAttributeKind): void {
    const ns = this.get(nsName);
    if (systemAttributes.has(name)) throw invalidArgument(`Search attribute ${name} is reserved by system.`);
    if (!KINDS.includes(kind)) throw invalidArgument(`Unknown search attribute type ${kind}.`);
    // As on a real server, adding an attribute that exists is a no-op (its registered type stays).
    if (ns.customAttributes.has(name)) return;
    this.record({ t: 'sa', ns: nsName, name, kind });
    ns.customAttributes.set(name, kind);
  }

  removeAttribute(nsName: string, name: string): void {
    const ns = this.get(nsName);
    if (!ns.customAttributes.delete(name)) throw notFound(`Search attribute ${name} doesn't exist.`);
    this.record({ t: 'sa', ns: nsName, name, kind: '' });
  }

  /** The records that rebuild every namespace and its attributes (for the journal's snapshot). */
  *records(): Iterable<JournalRecord> {
    for (const ns of this.byName.values()) {
      yield { t: 'ns', name: ns.name, id: ns.id, retentionMs: ns.retentionMs };
      for (const [name] of defaultCustomAttributes) if (!ns.customAttributes.has(name)) yield { t: 'sa', ns: ns.name, name, kind: '' };
      for (const [name, kind] of ns.customAttributes) yield { t: 'sa', ns: ns.name, name, kind };
    }
  }

  restoreAttribute(nsName: string, name: string, kind: string): void {
    const ns = this.byName.get(nsName);
    if (!ns) return;
    if (kind) ns.customAttributes.set(name, kind as SearchAttributeKind);
    else ns.customAttributes.delete(name);
  }
}
