import { describe, it, expect } from 'vitest';
import { DomainError } from '../../domain/errors';
import { validateForm, validateVariables, type FormField } from '../../domain/catalog-form';
import { parseDuration } from '../../domain/durations';
import { validateCatalogItem, type CatalogItemDefinition } from '../../domain/catalog-item';

/** The DomainError `fn` throws; fails the test if it throws nothing or something else. */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// validateForm
// ---------------------------------------------------------------------------------------------

describe('validateForm', () => {
  it('accepts a form with every field type and returns it', () => {
    const form: FormField[] = [
      { name: 'hostname', label: 'Host name', type: 'string', required: true },
      { name: 'details', type: 'text' },
      { name: 'cpus', type: 'number' },
      { name: 'count', type: 'integer' },
      { name: 'urgent', type: 'boolean' },
      { name: 'env', type: 'choice', choices: ['dev', 'prod'] },
      { name: 'due_date', type: 'date' },
    ];
    expect(validateForm(form)).toEqual(form);
  });

  it('accepts an empty form', () => {
    expect(validateForm([])).toEqual([]);
  });

  it('accepts a name of 64 characters and refuses one of 65', () => {
    expect(() => validateForm([{ name: 'a'.repeat(64), type: 'string' }])).not.toThrow();
    const err = refusal(() => validateForm([{ name: 'a'.repeat(65), type: 'string' }]));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[0].name');
  });

  it.each(['', '1host', '_host', 'host-name', 'host name', 'hôte', 'host.name'])('refuses the variable name %j', (name) => {
    const err = refusal(() => validateForm([{ name: 'ok', type: 'string' }, { name, type: 'string' }]));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[1].name');
  });

  it('refuses two variables with the same name, naming the second', () => {
    const err = refusal(() =>
      validateForm([
        { name: 'host', type: 'string' },
        { name: 'env', type: 'string' },
        { name: 'host', type: 'text' },
      ]),
    );
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[2].name');
    expect(err.message).toContain('host');
  });

  it('refuses an unknown field type', () => {
    const err = refusal(() => validateForm([{ name: 'when', type: 'datetime' as FormField['type'] }]));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[0].type');
  });

  it.each([
    ['no choices', undefined],
    ['an empty list', []],
    ['a non-text choice', ['dev', 3]],
  ])('refuses a choice variable with %s', (_label, choices) => {
    const err = refusal(() => validateForm([{ name: 'env', type: 'choice', choices: choices as string[] | undefined }]));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[0].choices');
  });

  it('refuses choices on a variable that is not a choice', () => {
    const err = refusal(() => validateForm([{ name: 'env', type: 'string', choices: ['dev'] }]));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[0].choices');
  });
});

// ---------------------------------------------------------------------------------------------
// validateVariables
// ---------------------------------------------------------------------------------------------

describe('validateVariables', () => {
  const form: FormField[] = [
    { name: 'hostname', type: 'string', required: true },
    { name: 'details', type: 'text' },
    { name: 'cpus', type: 'number' },
    { name: 'count', type: 'integer' },
    { name: 'urgent', type: 'boolean' },
    { name: 'env', type: 'choice', choices: ['dev', 'prod'] },
    { name: 'due', type: 'date' },
  ];

  const full = {
    hostname: 'web-01',
    details: 'Line one\nLine two',
    cpus: 2.5,
    count: 3,
    urgent: false,
    env: 'prod',
    due: '2026-12-31',
  };

  it('accepts valid values for every type and returns them', () => {
    expect(validateVariables(form, full)).toEqual(full);
  });

  it('accepts only the required variables, leaving optional ones out', () => {
    expect(validateVariables(form, { hostname: 'web-01' })).toEqual({ hostname: 'web-01' });
  });

  it('treats null or empty optional variables as not given', () => {
    expect(() => validateVariables(form, { hostname: 'web-01', details: '', cpus: null, due: '' })).not.toThrow();
  });

  it('refuses a variable the form does not have, naming it', () => {
    const err = refusal(() => validateVariables(form, { hostname: 'web-01', colour: 'blue' }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('variables.colour');
  });

  it.each([
    ['absent', {}],
    ['undefined', { hostname: undefined }],
    ['null', { hostname: null }],
    ['empty', { hostname: '' }],
  ])('refuses a missing required variable (%s), naming it', (_label, variables) => {
    const err = refusal(() => validateVariables(form, variables));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('variables.hostname');
  });

  it('does not take 0 or false for a missing required value', () => {
    const strict: FormField[] = [
      { name: 'count', type: 'integer', required: true },
      { name: 'urgent', type: 'boolean', required: true },
    ];
    expect(validateVariables(strict, { count: 0, urgent: false })).toEqual({ count: 0, urgent: false });
  });

  const wrongValues: [variable: string, value: unknown][] = [
    ['hostname', 42],
    ['hostname', true],
    ['hostname', ['web-01']],
    ['hostname', 'x'.repeat(1001)],
    ['details', 7],
    ['details', 'x'.repeat(10_001)],
    ['cpus', '2'],
    ['cpus', Number.NaN],
    ['cpus', Number.POSITIVE_INFINITY],
    ['cpus', true],
    ['count', 1.5],
    ['count', '3'],
    ['count', Number.NaN],
    ['urgent', 'true'],
    ['urgent', 1],
    ['env', 'staging'],
    ['env', 'PROD'],
    ['env', 1],
    ['due', 20261231],
    ['due', '2026/12/31'],
    ['due', '31-12-2026'],
    ['due', '2026-1-5'],
    ['due', '2026-12-31T10:00:00Z'],
    ['due', 'tomorrow'],
    ['due', '2026-13-01'],
    ['due', '2026-00-10'],
    ['due', '2026-12-32'],
    ['due', '2026-02-30'],
    ['due', '2026-04-31'],
    ['due', '2025-02-29'],
  ];

  it.each(wrongValues)('refuses %s = %j, naming variables.<name>', (variable, value) => {
    const err = refusal(() => validateVariables(form, { hostname: 'web-01', [variable]: value }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe(`variables.${variable}`);
    expect(err.message).toContain(`variables.${variable}`);
  });

  it('lists the allowed choices when a choice is outside them', () => {
    const err = refusal(() => validateVariables(form, { hostname: 'web-01', env: 'staging' }));
    expect(err.message).toContain('dev');
    expect(err.message).toContain('prod');
  });

  it('accepts the longest string and text', () => {
    expect(() => validateVariables(form, { hostname: 'x'.repeat(1000), details: 'x'.repeat(10_000) })).not.toThrow();
  });

  it.each(['2026-01-01', '2024-02-29', '2026-12-31', '2000-02-29'])('accepts the date %s', (due) => {
    expect(validateVariables(form, { hostname: 'web-01', due })).toEqual({ hostname: 'web-01', due });
  });

  it('accepts negative and zero numbers and whole numbers', () => {
    expect(() => validateVariables(form, { hostname: 'h', cpus: -1.5, count: -2 })).not.toThrow();
    expect(() => validateVariables(form, { hostname: 'h', cpus: 0, count: 0 })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// parseDuration
// ---------------------------------------------------------------------------------------------

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * MINUTE],
    ['4h', 4 * HOUR],
    ['3d', 3 * DAY],
    ['90s', 90_000],
    ['2w', 14 * DAY],
    ['1s', 1000],
    ['PT4H', 4 * HOUR],
    ['P3D', 3 * DAY],
    ['P1DT2H30M', DAY + 2 * HOUR + 30 * MINUTE],
    ['PT30M', 30 * MINUTE],
    ['PT45S', 45_000],
    ['P2W', 14 * DAY],
  ])('reads %j as %d ms', (value, ms) => {
    expect(parseDuration(value, 'sla.responseTime')).toBe(ms);
  });

  it.each([
    ['30M', 30 * MINUTE],
    ['4H', 4 * HOUR],
    ['3D', 3 * DAY],
    ['90S', 90_000],
    ['2W', 14 * DAY],
    ['pt4h', 4 * HOUR],
    ['p3d', 3 * DAY],
    ['p1dt2h30m', DAY + 2 * HOUR + 30 * MINUTE],
  ])('reads units in any case: %j', (value, ms) => {
    expect(parseDuration(value, 'f')).toBe(ms);
  });

  it.each(['', ' ', '4', 'h', '-1h', '0m', 'PT0S', 'P0D', 'PT', 'P', 'P1DT', '4 hours', '1y', '1.5h', 'PT4', '4h30m', 'T4H', 'P1M'])(
    'refuses %j, naming the field',
    (value) => {
      const err = refusal(() => parseDuration(value, 'sla.resolutionTime'));
      expect(err.code).toBe('validation_failed');
      expect(err.details?.field).toBe('sla.resolutionTime');
      expect(err.message).toContain('sla.resolutionTime');
    },
  );
});

// ---------------------------------------------------------------------------------------------
// validateCatalogItem
// ---------------------------------------------------------------------------------------------

describe('validateCatalogItem', () => {
  const item: CatalogItemDefinition = {
    name: 'New virtual machine',
    description: 'A VM in the provider cloud',
    kind: 'change_request',
    form: [{ name: 'hostname', type: 'string', required: true }],
    sla: { responseTime: '4h', resolutionTime: 'P3D', acceptanceWindow: '7d' },
  };

  it('accepts a valid item and returns it', () => {
    expect(validateCatalogItem(item)).toEqual(item);
  });

  it('accepts an item with no SLA targets and every kind', () => {
    for (const kind of ['help_request', 'service_affecting_issue', 'change_request'] as const) {
      expect(() => validateCatalogItem({ ...item, kind, sla: {} })).not.toThrow();
    }
  });

  it.each(['', '   '])('refuses the name %j', (name) => {
    const err = refusal(() => validateCatalogItem({ ...item, name }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('name');
  });

  it.each(['incident', 'HELP_REQUEST', ''])('refuses the kind %j', (kind) => {
    const err = refusal(() => validateCatalogItem({ ...item, kind: kind as CatalogItemDefinition['kind'] }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('kind');
  });

  it.each(['responsetime', 'resolution', 'foo'])('refuses the SLA key %j, naming sla.<key>', (key) => {
    const err = refusal(() => validateCatalogItem({ ...item, sla: { responseTime: '4h', [key]: '1h' } as CatalogItemDefinition['sla'] }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe(`sla.${key}`);
  });

  it.each([
    ['responseTime', '4 hours'],
    ['resolutionTime', '0m'],
    ['acceptanceWindow', 'PT'],
    ['acceptanceWindow', '1y'],
  ] as const)('refuses sla.%s = %j, naming sla.<key>', (key, value) => {
    const err = refusal(() => validateCatalogItem({ ...item, sla: { ...item.sla, [key]: value } }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe(`sla.${key}`);
  });

  it('refuses an invalid form, naming the form field', () => {
    const err = refusal(() => validateCatalogItem({ ...item, form: [{ name: 'bad name', type: 'string' }] }));
    expect(err.code).toBe('validation_failed');
    expect(err.details?.field).toBe('form[0].name');
  });
});
