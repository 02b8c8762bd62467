// The order form's values: what the inputs hold (text), what the API is sent (typed variables), and
// the checks the API makes, run here first with the API's own code and messages (domain/catalog-form).
import { validateVariables } from '$domain/catalog-form';
import type { FormField } from './api';

/** What an input holds: text (number and date inputs too), or a checkbox's state. */
export type RawValues = Record<string, string | boolean>;

export const initialValues = (form: FormField[]): RawValues => Object.fromEntries(form.map((f) => [f.name, f.type === 'boolean' ? false : '']));

/** The variables to send: empty inputs left out, numbers as numbers (text the API will refuse stays text). */
export function toVariables(form: FormField[], raw: RawValues): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const f of form) {
    const v = raw[f.name];
    if (typeof v === 'boolean') {
      out[f.name] = v;
      continue;
    }
    if (v === undefined || v.trim() === '') continue;
    if (f.type === 'number' || f.type === 'integer') {
      const n = Number(v.trim());
      out[f.name] = Number.isNaN(n) ? v : n;
    } else {
      out[f.name] = v;
    }
  }
  return out;
}

/** Every field's problem at once, keyed like the API's details.field: `variables.<name>`. */
export function checkVariables(form: FormField[], variables: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of form) {
    try {
      validateVariables([f], f.name in variables ? { [f.name]: variables[f.name] } : {});
    } catch (err) {
      const field = (err as { details?: { field?: string } }).details?.field ?? `variables.${f.name}`;
      errors[field] = (err as Error).message;
    }
  }
  return errors;
}

/** The request's own fields, with the limits the API's schema sets. */
export function checkRequestFields(shortDescription: string, description: string): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!shortDescription.trim()) errors.shortDescription = 'shortDescription is required';
  else if (shortDescription.length > 200) errors.shortDescription = 'shortDescription must NOT have more than 200 characters';
  if (description.length > 10_000) errors.description = 'description must NOT have more than 10000 characters';
  return errors;
}
