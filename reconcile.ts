// `npm run reconcile`: drift detection from the command line. Compares every exchanged request's copies
// in the instances' databases with each other and with its workflow, prints a report, and exits
// 0 (no drift), 1 (drift) or 2 (could not check).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { settingsFromEnv, type Settings } from './config/settings';
import { connectTemporal, type TemporalHandles } from './app/temporal';
import { installWorkerRuntime } from './app/worker';
import { reconcile, type DriftedRequest, type ReconcileReport } from './services/reconcile';
import { InstanceDatabases } from './db/instances';

const HELP = `npm run reconcile [-- --json]

Drift detection. Reads every exchanged request from every instance's database (the consumer's
Provider Task and the provider's parent task), compares state, assignee, resolution, the link
between the two, the public comments and escalations, and checks both against the request's
Temporal workflow. Differences that writes the workflow still has queued will resolve are
reported as pending, not as drift. The same report is served at GET /ops/reconcile.

Configuration: the same environment variables as the service (DATABASE_URL or INSTANCES_FILE
databases, DATA_DIR, TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY/TLS...).

  PostgreSQL (DATABASE_URL, or databaseUrl per instance) and a Temporal cluster (TEMPORAL_ADDRESS):
    runs alongside the service at any time. Open requests are queried through the workflow,
    which a running worker answers.

  Embedded databases (no DATABASE_URL): only one process may open a PGlite data directory, so
    stop \`npm start\` first. The CLI then reads DATA_DIR/db and, unless TEMPORAL_ADDRESS is set,
    opens the embedded dev server's state in DATA_DIR/temporal itself. With no worker running,
    closed requests are checked against their workflow's result; open ones database to database.

  \`npm start\` running with its embedded dev server: set TEMPORAL_ADDRESS=127.0.0.1:7233 (the
    port \`npm start\` printed) so the CLI uses that server instead of starting its own; this
    needs PostgreSQL (DATABASE_URL) for the databases, since \`npm start\` owns embedded ones.

Options:
  --json      print the report as JSON (the same as GET /ops/reconcile)
  -h, --help  this text

Exit status: 0 no drift (pending writes are not drift), 1 drift found, 2 could not check.`;

class CliError extends Error {}

/** Whether something accepts TCP connections on host:port. */
function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const localHost = (host: string) => (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

/** Refuses to open embedded databases another process (npm start) may own, or that do not exist. */
async function checkEmbeddedDatabases(settings: Settings): Promise<void> {
  const embedded = settings.instances.filter((i) => !i.databaseUrl && !settings.databaseUrl);
  if (!embedded.length) return;
  const host = localHost(settings.host);
  if (await listening(host, settings.port)) {
    throw new CliError(
      `something is listening on ${host}:${settings.port} — if it is \`npm start\`, it owns the embedded databases in ${join(settings.dataDir, 'db')}; ` +
        'stop it first, or run the service and this check on PostgreSQL (DATABASE_URL)',
    );
  }
  const missing = embedded.map((i) => join(settings.dataDir, 'db', i.id)).filter((dir) => !existsSync(dir));
  if (missing.length) {
    throw new CliError(`no embedded database at ${missing.join(', ')}: set DATA_DIR to the directory \`npm start\` uses, or DATABASE_URL for PostgreSQL`);
  }
}

async function openTemporal(settings: Settings, log: (msg: string) => void): Promise<TemporalHandles> {
  if (!settings.temporal.address && (await listening('127.0.0.1', settings.devServerPort))) {
    throw new CliError(
      `port ${settings.devServerPort} is in use, so the embedded Temporal dev server cannot start here: if \`npm start\` is running, ` +
        `set TEMPORAL_ADDRESS=127.0.0.1:${settings.devServerPort} to use its server (and DATABASE_URL, since it owns the embedded databases)`,
    );
  }
  try {
    return await connectTemporal(settings, log);
  } catch (err) {
    throw new CliError(`could not connect to Temporal${settings.temporal.address ? ` at ${settings.temporal.address}` : ''}: ${(err as Error).message}`);
  }
}

async function openDatabases(settings: Settings): Promise<InstanceDatabases> {
  try {
    return await InstanceDatabases.open(settings.instances, { databaseUrl: settings.databaseUrl, dataDir: settings.dataDir });
  } catch (err) {
    const embedded = settings.instances.some((i) => !i.databaseUrl && !settings.databaseUrl);
    throw new CliError(
      `could not open the databases: ${(err as Error).message}` +
        (embedded ? ` (embedded PGlite in ${join(settings.dataDir, 'db')}: only one process may open it — stop \`npm start\`, or use PostgreSQL via DATABASE_URL)` : ''),
    );
  }
}

const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));

function describeRequest(r: DriftedRequest): string {
  const consumer = `${r.consumerInstance} ${r.consumerNumber}`;
  const provider = `${r.providerInstance} ${r.providerNumber ?? '(no parent task)'}`;
  return `${r.workflowId}  [${consumer} ↔ ${provider}]`;
}

function printReport(report: ReconcileReport): void {
  const lines: string[] = [];
  lines.push(
    `Checked ${report.checked} request(s): ${report.inSync} in sync, ${report.pending} pending (writes still queued), ${report.drifted.length} drifted.`,
  );
  if (report.workflowUnavailable) {
    lines.push(`${report.workflowUnavailable} request(s) could not be read from their workflow (open ones need a running worker to answer the query): compared database to database only.`);
  }
  for (const r of report.drifted) {
    lines.push('', `DRIFT  ${describeRequest(r)}`);
    for (const d of r.differences) {
      lines.push(`  - ${d.message}`);
      lines.push(`      [${d.field}] consumer ${show(d.consumer)}  provider ${show(d.provider)}${'workflow' in d ? `  workflow ${show(d.workflow)}` : ''}`);
    }
  }
  for (const r of report.pendingRequests) {
    lines.push('', `PENDING  ${describeRequest(r)}: ${r.differences.map((d) => d.field).join(', ')} (the workflow's queued writes will bring these in line)`);
  }
  lines.push('', report.drifted.length ? `DRIFT FOUND in ${report.drifted.length} request(s).` : 'No drift.');
  console.log(lines.join('\n'));
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length) throw new CliError(`unknown option ${unknown[0]} (see --help)`);
  const json = args.includes('--json');
  const say = (msg: string) => console.error(`[reconcile] ${msg}`);

  let settings: Settings;
  try {
    settings = settingsFromEnv();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  installWorkerRuntime(settings.logLevel);
  await checkEmbeddedDatabases(settings);
  // Temporal first: with no TEMPORAL_ADDRESS, a busy dev-server port tells that `npm start` is running
  // before any embedded database is opened.
  const temporal = await openTemporal(settings, say);
  let instances: InstanceDatabases | undefined;
  try {
    instances = await openDatabases(settings);
    say(`Temporal at ${temporal.address}${temporal.devServer ? ` (embedded dev server on ${join(settings.dataDir, 'temporal')})` : ''}; databases: ${instances.ids.join(', ')}`);
    const report = await reconcile(instances, temporal.client, {
      progress: say,
      // A dev server this process started has no worker to answer queries of open workflows.
      queryRunning: !temporal.devServer,
    });
    if (json) console.log(JSON.stringify(report, null, 2));
    else printReport(report);
    return report.drifted.length ? 1 : 0;
  } finally {
    await instances?.close().catch(() => {});
    await temporal.close().catch(() => {});
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: Error) => {
    const message = String(err?.message ?? err).replace(/\s*\n\s*/g, ' ');
    console.error(`[reconcile] error: ${message}`);
    process.exit(2);
  },
);
