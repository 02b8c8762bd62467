// `bin/temporal operator ...`: the operator commands of Temporal's CLI that samples' READMEs use to
// prepare a dev server (namespaces, Nexus endpoints), against any server at --address, offline.
import { parseArgs } from 'node:util';
import { Connection } from '@temporalio/client';
import { parseDuration } from './retention';
import { msDuration } from './proto';

const usage = `Usage: bin/temporal operator <command> [options]   (--address host:port, default $TEMPORAL_ADDRESS or 127.0.0.1:7233)

  namespace create --namespace <name> [--retention <duration, e.g. 24h, 7d>] [--description <text>]
  namespace describe --namespace <name>
  namespace list
  nexus endpoint create --name <name> --target-namespace <ns> --target-task-queue <queue> [--description <text>]
  nexus endpoint get --name <name>
  nexus endpoint list
  nexus endpoint delete --name <name>`;

function fail(message: string): never {
  console.error(`temporal operator: ${message}\n\n${usage}`);
  process.exit(2);
}

const args = process.argv.slice(2);
let parsed;
try {
  parsed = parseArgs({
    args,
    allowPositionals: true,
    options: {
      address: { type: 'string', default: process.env.TEMPORAL_ADDRESS || '127.0.0.1:7233' },
      namespace: { type: 'string', short: 'n' },
      retention: { type: 'string' },
      description: { type: 'string' },
      name: { type: 'string' },
      'target-namespace': { type: 'string' },
      'target-task-queue': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  fail((err as Error).message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const command = positionals.join(' ');
const required = (name: keyof typeof values): string => (values[name] as string | undefined) || fail(`--${name} is required for "${command}"`);
const description = values.description ? { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(values.description)) } : undefined;

async function run(connection: Connection): Promise<void> {
  const endpointNamed = async (name: string) => {
    const { endpoints } = await connection.operatorService.listNexusEndpoints({ name });
    return endpoints?.[0] ?? fail(`no Nexus endpoint is named ${name}`);
  };
  switch (command) {
    case 'namespace create': {
      const namespace = values.namespace || fail('--namespace is required');
      const retentionMs = values.retention ? (parseDuration(values.retention) ?? fail(`--retention ${values.retention} is not a duration such as 24h or 7d`)) : 86_400_000;
      await connection.workflowService.registerNamespace({
        namespace,
        description: values.description,
        workflowExecutionRetentionPeriod: msDuration(retentionMs),
      });
      console.log(`Namespace ${namespace} successfully registered.`);
      return;
    }
    case 'namespace describe':
      console.log(JSON.stringify(await connection.workflowService.describeNamespace({ namespace: required('namespace') }), null, 2));
      return;
    case 'namespace list':
      for (const ns of (await connection.workflowService.listNamespaces({})).namespaces ?? []) console.log(ns.namespaceInfo?.name);
      return;
    case 'nexus endpoint create': {
      const name = required('name');
      await connection.operatorService.createNexusEndpoint({
        spec: { name, description, target: { worker: { namespace: required('target-namespace'), taskQueue: required('target-task-queue') } } },
      });
      console.log(`Endpoint ${name} successfully created.`);
      return;
    }
    case 'nexus endpoint get':
      console.log(JSON.stringify(await endpointNamed(required('name')), null, 2));
      return;
    case 'nexus endpoint list':
      for (const e of (await connection.operatorService.listNexusEndpoints({})).endpoints ?? []) {
        console.log(`${e.spec?.name}\t${e.spec?.target?.worker?.namespace}/${e.spec?.target?.worker?.taskQueue}\t${e.id}`);
      }
      return;
    case 'nexus endpoint delete': {
      const endpoint = await endpointNamed(required('name'));
      await connection.operatorService.deleteNexusEndpoint({ id: endpoint.id, version: endpoint.version });
      console.log(`Endpoint ${endpoint.spec?.name} deleted.`);
      return;
    }
    default:
      fail(command ? `unknown command "${command}"` : 'a command is required');
  }
}

const connection = await Connection.connect({ address: values.address }).catch((err: Error) => fail(`cannot reach ${values.address}: ${err.message}`));
try {
  await run(connection);
} catch (err) {
  // The server's refusal as the CLI prints one: its message, no stack.
  console.error(`temporal operator: ${(err as { details?: string; message: string }).details || (err as Error).message}`);
  process.exitCode = 1;
} finally {
  await connection.close();
}
