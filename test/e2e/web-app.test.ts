import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { ensureWebBuild, WEB_BUILD_DIR } from '../../app/web-build';
import type { InstanceDatabases } from '../../db/instances';

// The web app as the API process serves it (api/plugins/web-app.ts), from the build the test run's
// global setup started (app/web-build.ts). No databases or Temporal: these routes touch neither.
describe('serving the web app', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    await ensureWebBuild();
    app = await buildApp({ instances: { ids: [] } as unknown as InstanceDatabases, temporal: {} as Client, taskQueue: 'unused' }, { webRoot: WEB_BUILD_DIR });
    await app.ready();
  });
  afterAll(() => app.close());

  const get = (url: string) => app.inject({ method: 'GET', url });

  it('redirects / and /app to /app/, without a token', async () => {
    for (const url of ['/', '/app']) {
      const res = await get(url);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('/app/');
    }
  });

  it("answers every page's path with index.html, revalidated each time", async () => {
    for (const url of ['/app/', '/app/sign-in', '/app/tasks/PTSK0001001', '/app/queue?assignee=me']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('/app/_app/immutable/');
    }
  });

  it('caches the hashed files for a year, and answers a missing one 404 in the product shape', async () => {
    const entry = readdirSync(join(WEB_BUILD_DIR, '_app/immutable/entry'))[0]!;
    const asset = await get(`/app/_app/immutable/entry/${entry}`);
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await get('/app/_app/immutable/entry/gone.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'not_found', message: 'No file /app/_app/immutable/entry/gone.js' } });
    // The build stamp (a dot file) is not served.
    expect((await get('/app/.build-stamp')).headers['content-type']).toMatch(/^text\/html/);
  });

  it('leaves the API as it was: other paths still need a token, and the OpenAPI document lists no page', async () => {
    const res = await get('/nowhere');
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthorized');
    const doc = (await get('/openapi.json')).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p === '/' || p.startsWith('/app'))).toEqual([]);
  });
});
