import { afterAll, beforeAll, expect, it } from 'vitest';
import { Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type DatabaseConnection, type Driver } from 'kysely';
import { createTestStack, type TestStack } from '../harness/stack';
import { unreachableDatabase } from '../faults/helpers';
import type { Database } from '../../db/schema';

/** A database that answers, but only after `delayMs` (an overloaded server). */
function slowDatabase(delayMs: number) {
  const connection: DatabaseConnection = {
    executeQuery: async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      return { rows: [] };
    },
    // eslint-disable-next-line require-yield
    streamQuery: async function* () {
      throw new Error('not streamed');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

let s: TestStack;
beforeAll(async () => {
  s = await createTestStack();
});
afterAll(async () => {
  s?.instances.substitute('acme');
  s?.instances.substitute('globex');
  await s?.close();
});

it('reports each instance database as up, slow or down, without a token', async () => {
  const healthy = await s.call('GET', '/health');
  expect(healthy.status).toBe(200);
  expect(healthy.body).toMatchObject({ status: 'ok', temporal: { status: 'up' }, instances: { acme: { status: 'up' }, globex: { status: 'up' } } });

  s.instances.substitute('globex', () => unreachableDatabase());
  s.instances.substitute('acme', () => slowDatabase(700));
  const degraded = await s.call('GET', '/health');
  expect(degraded.status).toBe(200);
  expect(degraded.body).toMatchObject({ status: 'degraded', temporal: { status: 'up' }, instances: { acme: { status: 'slow' }, globex: { status: 'down' } } });

  s.instances.substitute('globex');
  s.instances.substitute('acme');
  expect((await s.call('GET', '/health')).body.status).toBe('ok');
});
