// bin/temporal's operator commands, as samples' READMEs run Temporal's CLI to prepare a server: a
// namespace and a Nexus endpoint, a refusal in the server's words, and a delete.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTemporalTestEnv, type TemporalTestEnv } from '../harness/temporal';

const TEMPORAL = fileURLToPath(new URL('../../bin/temporal', import.meta.url));

let t: TemporalTestEnv;
beforeAll(async () => {
  t = await createTemporalTestEnv();
});
afterAll(async () => {
  await t?.teardown();
});

/** Runs `bin/temporal operator ...args` against the test server: its exit code and output. */
async function operator(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(TEMPORAL, ['operator', ...args, '--address', t.address]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('creates a namespace and a Nexus endpoint as a sample’s README does, and deletes the endpoint', async () => {
  const namespace = `ns-${randomUUID().slice(0, 8)}`;
  const name = `ep-${randomUUID().slice(0, 8)}`;
  expect(await operator('namespace', 'create', '--namespace', namespace)).toMatchObject({ code: 0, stdout: `Namespace ${namespace} successfully registered.\n` });
  expect((await t.client.workflowService.describeNamespace({ namespace })).namespaceInfo?.name).toBe(namespace);
  const created = await operator('nexus', 'endpoint', 'create', '--name', name, '--target-namespace', namespace, '--target-task-queue', 'handlers');
  expect(created).toMatchObject({ code: 0, stdout: `Endpoint ${name} successfully created.\n` });
  const { endpoints } = await t.client.connection.operatorService.listNexusEndpoints({ name });
  expect(endpoints?.[0]?.spec?.target?.worker).toMatchObject({ namespace, taskQueue: 'handlers' });

  // A second endpoint of that name: the server's refusal, printed without a stack, exit code 1.
  const again = await operator('nexus', 'endpoint', 'create', '--name', name, '--target-namespace', namespace, '--target-task-queue', 'other');
  expect(again.code).toBe(1);
  expect(again.stderr).toContain('already registered');
  expect(again.stderr).not.toContain('    at ');

  expect(await operator('nexus', 'endpoint', 'delete', '--name', name)).toMatchObject({ code: 0 });
  expect((await t.client.connection.operatorService.listNexusEndpoints({ name })).endpoints ?? []).toEqual([]);
});

it('says what it takes when a command or an option is missing', async () => {
  const unknown = await operator('workflow', 'list');
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('unknown command "workflow list"');
  const missing = await operator('nexus', 'endpoint', 'create', '--name', 'x');
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('--target-namespace is required');
});
