import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ErrorBody } from '../errors';

/** Where the web app is served; the API's routes stay at the root of the same origin. */
export const WEB_PREFIX = '/app/';

/** Content-hashed files (`_app/immutable/…`) never change under their name: cached for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Everything else (index.html, version.json, the favicon) is checked with the server each time. */
const REVALIDATE = 'no-cache';

/**
 * The web app (web/, built into `root` by app/web-build.ts), served by the API process: the files
 * under /app/, every other /app/... path answered with the single-page app's index.html (its router
 * shows the page), and `/` redirected to /app/. None of these routes needs a token or a session, and
 * none appears in the OpenAPI document. An encapsulated plugin: its onRoute hook marks only its own
 * routes public.
 */
export default async function webApp(app: FastifyInstance, opts: { root: string }) {
  app.addHook('onRoute', (route) => {
    // Keep the config object @fastify/static gave its routes (it holds the file each one serves).
    route.config = Object.assign(route.config ?? {}, { public: true });
    route.schema = { ...route.schema, hide: true };
  });

  app.get('/', (_request, reply) => reply.redirect(WEB_PREFIX, 302));
  app.get('/app', (_request, reply) => reply.redirect(WEB_PREFIX, 302));

  const built = existsSync(join(opts.root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: opts.root,
      prefix: WEB_PREFIX,
      // One route per file of the build, found at start: no wildcard route to shadow the fallback below.
      wildcard: false,
      cacheControl: false,
      setHeaders: (reply, path) => reply.header('cache-control', path.includes('/_app/immutable/') ? IMMUTABLE : REVALIDATE),
    });
  }

  const notBuilt = (reply: FastifyReply) =>
    reply.status(503).send({
      error: { code: 'unavailable', message: 'The web app is not built: `npm start` builds it (or run `npm run build:web`)' },
    } satisfies ErrorBody);

  // The single-page app's own paths (/app/tasks/CS0001001...): its index.html, whose router shows the page.
  app.get('/app/*', (request, reply) => {
    const path = request.url.split('?')[0]!;
    // A file the build does not have (an old hashed asset, a typo) is a 404, not a page.
    if (path.startsWith(`${WEB_PREFIX}_app/`)) {
      return reply.status(404).send({ error: { code: 'not_found', message: `No file ${path}` } } satisfies ErrorBody);
    }
    if (!built) return notBuilt(reply);
    reply.header('cache-control', REVALIDATE);
    return reply.sendFile('index.html', opts.root, { cacheControl: false });
  });
}
