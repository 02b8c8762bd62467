// `npm run devserver -- --port 7233 --data-dir ./data/temporal`: the dev server on its own, for
// other processes and the `temporal` CLI (and its HTTP API on port 8233). Development only; production uses a real Temporal cluster.
import { parseArgs } from 'node:util';
import { ensureTemporalUiBuild } from '../app/web-build';
import { startDevServer } from './index';
import { parseDuration } from './retention';
import type { SearchAttributeKind } from './visibility-query';

// Dynamic config that the SDKs, and tests such as the samples', pass to a dev server to turn on what
// this server does anyway (update-with-start, eager starts and dispatch...); any other is refused.
const BUILT_IN_CONFIG: Record<string, string> = {
  'frontend.enableServerVersionCheck': 'false',
  'frontend.enableUpdateWorkflowExecution': 'true',
  'frontend.enableUpdateWorkflowExecutionAsyncAccepted': 'true',
  'frontend.enableExecuteMultiOperation': 'true',
  'system.enableEagerWorkflowStart': 'true',
  'system.enableActivityEagerExecution': 'true',
  'system.forceSearchAttributesCacheRefreshOnRead': 'true',
  // Priority's matcher, and one partition per task queue: what this server's matching is.
  'matching.useNewMatcher': 'true',
  'matching.numTaskqueueReadPartitions': '1',
  'matching.numTaskqueueWritePartitions': '1',
};

const usage = `Usage: npm run devserver -- [options]

  --port <n>                 port to listen on (default 7233; 0 picks a free one)
  --ip <host>                address to bind (default 127.0.0.1)
  --ui-port <n>              HTTP port: the Temporal UI, and Temporal's HTTP API under /api/v1 (default: --port + 1000,
                             so 8233; 0 picks a free one)
  --headless                 serve no HTTP port
  --data-dir <dir>           keep state here so it survives restarts (default: in memory)
  --compact-after <bytes>    compact the data dir's journal into a snapshot once its tail is larger than this
                             and than the last snapshot (default 8388608)
  --namespace <name>         create a namespace besides "default" (repeatable)
  --retention <duration>     how long closed workflow runs are kept in the namespaces created at start,
                             e.g. 24h, 7d, 90m (default 24h)
  --search-attribute <N=T>   register a custom search attribute, T one of
                             Keyword, Text, Int, Double, Bool, Datetime, KeywordList (repeatable)
  --help                     show this text

Also taken, as \`temporal server start-dev\` takes them (so that Temporal's SDKs can start it: bin/temporal,
bin/temporal-test-server): --db-filename <path> (a data dir at that path), --log-level <level> (warn or
error: no start-up lines), --log-format <format> (the lines are plain text either way), and
--dynamic-config-value <key=value> for the settings this server has anyway:
  ${Object.keys(BUILT_IN_CONFIG).join(', ')}`;

const KINDS = ['Keyword', 'Text', 'Int', 'Double', 'Bool', 'Datetime', 'KeywordList'];

function fail(message: string): never {
  console.error(`devserver: ${message}\n\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string', default: '7233' },
      ip: { type: 'string', default: '127.0.0.1' },
      'ui-port': { type: 'string' },
      headless: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'compact-after': { type: 'string' },
      namespace: { type: 'string', multiple: true },
      retention: { type: 'string' },
      'search-attribute': { type: 'string', multiple: true },
      'db-filename': { type: 'string' },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'dynamic-config-value': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a number from 0 to 65535, got "${values.port}"`);
const uiPort = values['ui-port'] === undefined ? undefined : Number(values['ui-port']);
if (uiPort !== undefined && (!Number.isInteger(uiPort) || uiPort < 0 || uiPort > 65535)) fail(`--ui-port must be a number from 0 to 65535, got "${values['ui-port']}"`);
const retentionMs = values.retention === undefined ? undefined : parseDuration(values.retention);
if (retentionMs === 0 || (values.retention !== undefined && retentionMs === undefined)) fail(`--retention must be a positive duration such as 24h, 7d or 90m, got "${values.retention}"`);
const compactAfterBytes = values['compact-after'] === undefined ? undefined : Number(values['compact-after']);
if (compactAfterBytes !== undefined && !(Number.isInteger(compactAfterBytes) && compactAfterBytes > 0)) fail(`--compact-after must be a positive number of bytes, got "${values['compact-after']}"`);
for (const setting of values['dynamic-config-value'] ?? []) {
  const [key, value] = setting.split('=');
  if (BUILT_IN_CONFIG[key] !== value?.trim()) fail(`--dynamic-config-value ${setting} is not supported: this server takes only ${Object.entries(BUILT_IN_CONFIG).map(([k, v]) => `${k}=${v}`).join(', ')}`);
}
if (values['data-dir'] && values['db-filename']) fail('give --data-dir or --db-filename, not both');
const quiet = ['warn', 'error', 'fatal'].includes(values['log-level'] ?? '');
const searchAttributes: Record<string, SearchAttributeKind> = {};
for (const spec of values['search-attribute'] ?? []) {
  const [name, kind] = spec.split('=');
  if (!name || !KINDS.includes(kind)) fail(`--search-attribute must look like Name=Type with Type one of ${KINDS.join(', ')}, got "${spec}"`);
  searchAttributes[name] = kind as SearchAttributeKind;
}

// The Temporal UI on the HTTP port: built here when its sources changed (about 25 s), else reused.
if (!values.headless) await ensureTemporalUiBuild({ say: (m) => quiet || console.log(m) }).catch((err: Error) => fail(err.message));

const server = await startDevServer({
  port,
  host: values.ip,
  uiPort: values.headless ? false : uiPort,
  dataDir: values['data-dir'] ?? values['db-filename'],
  compactAfterBytes,
  // `default` is always there (the SDKs name it with --namespace).
  namespaces: values.namespace?.filter((ns) => ns !== 'default'),
  retentionMs,
  searchAttributes,
  log: (m) => quiet || console.log(m),
}).catch((err: Error) => {
  // Not a usage mistake (a port or the data dir is taken): the message alone, and exit 1.
  console.error(`devserver: could not start: ${err.message}`);
  process.exit(1);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    if (!quiet) console.log('Temporal dev server stopping');
    void server.close().then(() => process.exit(0));
  });
}
