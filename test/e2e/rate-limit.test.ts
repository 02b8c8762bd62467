import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { InstanceDatabases } from '../../db/instances';
import { DEFAULT_INSTANCES } from '../../config/instances';
import { createUser } from '../../db/repositories/users';
import { databaseImage } from '../harness/database-image';
import { pooledConnection } from '../harness/database-pool';

let app: FastifyInstance;
let instances: InstanceDatabases;
let ann: string;
let bob: string;

beforeAll(async () => {
  instances = await InstanceDatabases.open(DEFAULT_INSTANCES, { image: databaseImage, connect: pooledConnection });
  ann = (await createUser(instances.db('acme'), 'acme', { name: 'Ann', email: 'ann@acme.example', role: 'requester' })).token;
  bob = (await createUser(instances.db('globex'), 'globex', { name: 'Bob', email: 'bob@globex.example', role: 'agent' })).token;
  // Listing tasks reads the database only: no Temporal needed for this test.
  app = await buildApp({ instances, temporal: {} as Client, taskQueue: 'unused' }, { rateLimitPerMinute: 3 });
});
afterAll(async () => {
  await app?.close();
  await instances?.close();
});

const list = (token: string) => app.inject({ method: 'GET', url: '/tasks', headers: { authorization: `Bearer ${token}` } });

it('limits each token separately and answers 429 with Retry-After and the JSON error shape', async () => {
  for (let i = 0; i < 3; i++) expect((await list(ann)).statusCode).toBe(200);
  const limited = await list(ann);
  expect(limited.statusCode).toBe(429);
  expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  expect(limited.json()).toMatchObject({ error: { code: 'rate_limited' } });
  // Another token still has its own budget.
  expect((await list(bob)).statusCode).toBe(200);
});
