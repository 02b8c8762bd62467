// The catalog admin's item form: what its inputs hold, the item the API is sent, and the API's own
// checks (domain/catalog-item) run first, with the same messages and field names (`form[0].name`).
import { validateCatalogItem } from '$domain/catalog-item';
import type { NewCatalogItem } from './api';

export const FIELD_TYPES = ['string', 'text', 'number', 'integer', 'boolean', 'choice', 'date'] as const;
export const SLA_FIELDS = ['responseTime', 'resolutionTime', 'acceptanceWindow'] as const;

export interface DraftVariable {
  /** A stable key for the list (not sent). */
  key: number;
  name: string;
  label: string;
  type: (typeof FIELD_TYPES)[number];
  required: boolean;
  /** One choice per line (choice variables). */
  choices: string;
}

export interface DraftItem {
  name: string;
  description: string;
  kind: NewCatalogItem['kind'];
  variables: DraftVariable[];
  sla: Record<(typeof SLA_FIELDS)[number], string>;
}

let nextKey = 1;
export const newVariable = (): DraftVariable => ({ key: nextKey++, name: '', label: '', type: 'string', required: false, choices: '' });
export const emptyItem = (): DraftItem => ({
  name: '',
  description: '',
  kind: 'help_request',
  variables: [],
  sla: { responseTime: '', resolutionTime: '', acceptanceWindow: '' },
});

/** The body of POST /catalog/items. */
export function toNewItem(d: DraftItem): NewCatalogItem {
  const sla: NonNullable<NewCatalogItem['sla']> = {};
  for (const k of SLA_FIELDS) if (d.sla[k].trim()) sla[k] = d.sla[k].trim();
  return {
    name: d.name.trim(),
    description: d.description,
    kind: d.kind,
    form: d.variables.map((v) => ({
      name: v.name.trim(),
      ...(v.label.trim() ? { label: v.label.trim() } : {}),
      type: v.type,
      ...(v.required ? { required: true } : {}),
      ...(v.type === 'choice'
        ? {
            choices: v.choices
              .split('\n')
              .map((c) => c.trim())
              .filter(Boolean),
          }
        : {}),
    })),
    sla,
  };
}

/** The first problem the API would name, as {field, message}; undefined when the item would be accepted. */
export function checkItem(item: NewCatalogItem): { field: string; message: string } | undefined {
  try {
    validateCatalogItem({ ...item, description: item.description ?? '', form: item.form ?? [], sla: item.sla ?? {} });
    return undefined;
  } catch (err) {
    const field = (err as { details?: { field?: string } }).details?.field ?? '';
    return { field, message: (err as Error).message };
  }
}

/** The input id for an API field name: `form[0].name` → `item-form-0-name`. */
export const fieldId = (field: string) => `item-${field.replace(/[[\].]+/g, '-').replace(/-$/, '')}`;
