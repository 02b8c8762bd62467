import { DomainError } from './errors';

export const fieldTypes = ['string', 'text', 'number', 'integer', 'boolean', 'choice', 'date'] as const;
export type FieldType = (typeof fieldTypes)[number];

/** One variable a catalog item's order form asks for. */
export interface FormField {
  name: string;
  label?: string;
  type: FieldType;
  required?: boolean;
  choices?: string[];
}

const invalid = (field: string, message: string) => new DomainError('validation_failed', message, { field });

/** Checks a form definition when a provider creates an item. */
export function validateForm(form: FormField[]): FormField[] {
  const seen = new Set<string>();
  form.forEach((f, i) => {
    const where = `form[${i}]`;
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(f.name ?? '')) {
      throw invalid(`${where}.name`, `${where}.name must start with a letter and hold only letters, digits and _ (at most 64)`);
    }
    if (seen.has(f.name)) throw invalid(`${where}.name`, `form has two variables named ${f.name}`);
    seen.add(f.name);
    if (!fieldTypes.includes(f.type)) throw invalid(`${where}.type`, `${where}.type must be one of ${fieldTypes.join(', ')}`);
    if (f.type === 'choice' && !(Array.isArray(f.choices) && f.choices.length > 0 && f.choices.every((c) => typeof c === 'string'))) {
      throw invalid(`${where}.choices`, `${where}.choices must list at least one text choice for a choice variable`);
    }
    if (f.type !== 'choice' && f.choices !== undefined) throw invalid(`${where}.choices`, `${where}.choices is only for choice variables`);
  });
  return form;
}

const isCalendarDate = (value: string) => {
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};

function checkValue(f: FormField, value: unknown): void {
  const bad = (expected: string) => invalid(`variables.${f.name}`, `variables.${f.name} must be ${expected}`);
  switch (f.type) {
    case 'string':
    case 'text':
      if (typeof value !== 'string') throw bad('a text');
      if (f.type === 'string' && value.length > 1000) throw bad('at most 1000 characters');
      if (value.length > 10_000) throw bad('at most 10000 characters');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a number');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw bad('a whole number');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('true or false');
      return;
    case 'choice':
      if (typeof value !== 'string' || !f.choices!.includes(value)) throw bad(`one of ${f.choices!.join(', ')}`);
      return;
    case 'date':
      // Date.parse rolls impossible days over (2026-02-30 -> March 2), so the date must read back unchanged.
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || !isCalendarDate(value)) throw bad('a date like 2026-12-31');
      return;
  }
}

/** Checks an order's variables against the item's form; the error names the offending field. */
export function validateVariables(form: FormField[], variables: Record<string, unknown>): Record<string, unknown> {
  for (const name of Object.keys(variables)) {
    if (!form.some((f) => f.name === name)) throw invalid(`variables.${name}`, `variables.${name} is not a variable of this catalog item`);
  }
  for (const f of form) {
    const value = variables[f.name];
    if (value === undefined || value === null || value === '') {
      if (f.required) throw invalid(`variables.${f.name}`, `variables.${f.name} is required`);
      continue;
    }
    checkValue(f, value);
  }
  return variables;
}
