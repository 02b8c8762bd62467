import { DomainError } from './errors';
import { parseDuration } from './durations';
import { validateForm, type FormField } from './catalog-form';
import { catalogKinds, type CatalogKind } from './model';

/** SLA targets as the provider wrote them ("4h", "PT30M"...); see domain/durations.ts. */
export interface SlaTargets {
  responseTime?: string;
  resolutionTime?: string;
  acceptanceWindow?: string;
}

export interface CatalogItemDefinition {
  name: string;
  description: string;
  kind: CatalogKind;
  form: FormField[];
  sla: SlaTargets;
}

const slaFields = ['responseTime', 'resolutionTime', 'acceptanceWindow'] as const;

/** Checks a new catalog item: kind, form and SLA durations. */
export function validateCatalogItem(def: CatalogItemDefinition): CatalogItemDefinition {
  if (!def.name?.trim()) throw new DomainError('validation_failed', 'name must be a non-empty text', { field: 'name' });
  if (!catalogKinds.includes(def.kind)) {
    throw new DomainError('validation_failed', `kind must be one of ${catalogKinds.join(', ')}`, { field: 'kind' });
  }
  validateForm(def.form);
  for (const key of Object.keys(def.sla)) {
    if (!slaFields.includes(key as (typeof slaFields)[number])) {
      throw new DomainError('validation_failed', `sla.${key} is not an SLA target (use ${slaFields.join(', ')})`, { field: `sla.${key}` });
    }
  }
  for (const key of slaFields) {
    const value = def.sla[key];
    if (value !== undefined) parseDuration(value, `sla.${key}`);
  }
  return def;
}
