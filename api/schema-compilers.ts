// Request validators and response serializers compiled once per process and shared by every API it
// builds: the test suite builds dozens, and compiling the same route schemas again for each took
// seconds of CPU. Keyed by the schema object: routes declare theirs as module constants.
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type Factory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

// Pools its validator compilers by external schemas and options, so later apps share one Ajv (and its
// cache of compiled schemas).
const buildValidator = AjvCompiler() as unknown as Factory['buildValidator'];

const serializers = new Map<string, WeakMap<object, unknown>>();
const selectSerializer = SerializerSelector();
const buildSerializer: Factory['buildSerializer'] = (externalSchemas, options) => {
  const compile = selectSerializer(externalSchemas, options);
  const key = JSON.stringify([externalSchemas, options]);
  const compiled = serializers.get(key) ?? serializers.set(key, new WeakMap()).get(key)!;
  return (route) => {
    const schema = route.schema as object;
    if (!compiled.has(schema)) compiled.set(schema, compile(route));
    return compiled.get(schema) as ReturnType<typeof compile>;
  };
};

export const sharedSchemaCompilers: Factory = { buildValidator, buildSerializer };
