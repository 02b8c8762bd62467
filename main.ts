// `npm start`: the whole service in one process — the embedded Temporal dev server (unless
// TEMPORAL_ADDRESS is set), every instance's database, the worker and the HTTP API, plus the demo.
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { settingsFromEnv } from './config/settings';
import { buildService, serviceOptionsFrom } from './app/service';
import { seedDemo } from './app/seed-demo';
import { onShutdown } from './app/shutdown';
import { ensureTemporalUiBuild, ensureWebBuild } from './app/web-build';

const say = (msg: string) => console.log(`[service-exchange] ${msg}`);

async function main() {
  const settings = settingsFromEnv();
  // The operator routes need a token; the all-in-one demo makes one up when none is configured.
  const opsToken = settings.opsToken ?? `ops.${randomBytes(24).toString('base64url')}`;
  mkdirSync(settings.dataDir, { recursive: true });
  // The web app (and, for the embedded dev server, the Temporal UI) are built here when their sources
  // changed since the last build (about 15 s and 25 s), else reused.
  await ensureWebBuild({ say });
  if (!settings.temporal.address && settings.devServerUiPort !== false) await ensureTemporalUiBuild({ say });
  const defaults = serviceOptionsFrom(settings, say);
  const service = await buildService({
    ...defaults,
    api: { ...defaults.api, opsToken },
    progress: (p) => {
      if (p.step === 'temporal') {
        say(`Temporal at ${p.temporal.address}${p.temporal.devServer ? ' (embedded dev server; set TEMPORAL_ADDRESS for a real cluster)' : ''}`);
        // The Temporal UI and Temporal's HTTP API (under /api/v1) share the dev server's HTTP port.
        if (p.temporal.devServer?.uiUrl) say(`Temporal UI at ${p.temporal.devServer.uiUrl} (Temporal's HTTP API under ${p.temporal.devServer.uiUrl}/api/v1)`);
      }
      if (p.step === 'databases') {
        const embedded = settings.instances.filter((i) => !i.databaseUrl && !settings.databaseUrl).map((i) => i.id);
        say(`databases ready for ${p.instances.ids.join(', ')}${embedded.length ? ` (embedded PGlite in ${settings.dataDir}/db for ${embedded.join(', ')})` : ' (PostgreSQL)'}`);
      }
      if (p.step === 'worker') say('starting the worker (the workflow code is bundled when it changed)...');
    },
  });
  await service.app!.listen({ port: settings.port, host: settings.host });
  const base = `http://${settings.host}:${settings.port}`;
  say(`API on ${base} — OpenAPI at ${base}/docs and ${base}/openapi.json`);
  const tokens = await seedDemo(service.instances, settings.dataDir);
  if (tokens) say(`demo users (also in ${settings.dataDir}/demo-tokens.env):\n${tokens}`);
  if (!settings.opsToken) say(`operator token for /ops (this run only; set OPS_TOKEN to choose one):\nexport OPS_TOKEN=${opsToken}`);
  onShutdown({ delay: 15_000, say }, async () => {
    say('shutting down...');
    await service.close();
    say('stopped');
  });
  // Only now: a Ctrl-C from here on shuts down gracefully (before the handlers, it would just kill).
  say('ready');
  // A wildcard address listens everywhere; a browser on this machine reaches it on loopback.
  const browserHost = ['0.0.0.0', '::', '[::]'].includes(settings.host) ? '127.0.0.1' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  say(`Open http://${browserHost}:${settings.port}/`);
  say(`Operations page (sign in with the operator token): http://${browserHost}:${settings.port}/app/operations`);
}

main().catch((err: Error) => {
  console.error(`[service-exchange] could not start: ${err.message}`);
  process.exit(1);
});
