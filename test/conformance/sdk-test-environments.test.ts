// The SDK's own test environments started on the embedded dev server, as a project's tests start
// Temporal's binaries: `TestWorkflowEnvironment.createLocal` runs `temporal server start-dev` and
// `createTimeSkipping` runs the test server, each from an existing path (bin/temporal,
// bin/temporal-test-server) instead of a download, so they work offline.
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { defineSearchAttributeKey, SearchAttributeType, type Duration } from '@temporalio/common';
import type { timedSleep } from '../workflows/lifecycle';
import { runDebugWorker } from '../harness/debug-mode';
import { conformanceWorkflowBundle } from '../harness/workflow-bundles';

const bin = (name: string) => fileURLToPath(new URL(`../../bin/${name}`, import.meta.url));
const DAY = 86_400_000;

/** Whether anything accepts connections at a `host:port` address. */
const listening = (address: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = address.split(':');
    const socket = connect(Number(port), host, () => resolve(!socket.destroy()));
    socket.on('error', () => resolve(false));
  });

async function sleepFor(env: TestWorkflowEnvironment, duration: Duration) {
  const taskQueue = `sdk-env-${randomUUID()}`;
  return runDebugWorker({ connection: env.nativeConnection, taskQueue, workflowBundle: { code: conformanceWorkflowBundle() } }, () =>
    env.client.workflow.execute<typeof timedSleep>('timedSleep', { taskQueue, workflowId: randomUUID(), args: [duration] }),
  );
}

describe('the SDK test environments on the embedded dev server', () => {
  it('createLocal with bin/temporal: the SDK starts it as `temporal server start-dev`, with its search attributes, and stops it', async () => {
    const color = defineSearchAttributeKey('Color', SearchAttributeType.KEYWORD);
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: bin('temporal') },
        searchAttributes: [color],
        // As the early-return sample's test turns update-with-start on, and priority's matcher as
        // Temporal's priority examples do (this server has both anyway).
        extraArgs: ['--dynamic-config-value', 'frontend.enableExecuteMultiOperation=true', '--dynamic-config-value', 'matching.useNewMatcher=true'],
      },
    });
    const address = env.address;
    try {
      expect(env.supportsTimeSkipping).toBe(false);
      expect(await sleepFor(env, '10 ms')).toMatchObject({ elapsedMs: expect.any(Number) });
      const { customAttributes } = await env.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(customAttributes).toMatchObject({ Color: expect.anything() });
    } finally {
      await env.teardown();
    }
    expect(await listening(address)).toBe(false);
  });

  it('createTimeSkipping with bin/temporal-test-server: a 30-day timer completes at once, through result()', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path: bin('temporal-test-server') } } });
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      const { elapsedMs } = await sleepFor(env, '30 days');
      expect(elapsedMs).toBeGreaterThanOrEqual(30 * DAY);
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(30 * DAY);
    } finally {
      await env.teardown();
    }
  });

  it('refuses what it does not do, saying so: other `temporal` commands, dynamic config it does not have', () => {
    const run = (...args: string[]) => {
      const r = spawnSync(bin('temporal'), args, { encoding: 'utf8' });
      return { status: r.status, stderr: r.stderr };
    };
    expect(run('workflow', 'list')).toMatchObject({ status: 2, stderr: expect.stringContaining('bin/temporal serves: temporal server start-dev') });
    expect(run('server', 'start-dev', '--headless', '--dynamic-config-value', 'limit.maxIDLength=400')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--dynamic-config-value limit.maxIDLength=400 is not supported'),
    });
    // Fairness is off here, as by default on a real server: asking for it is refused, not ignored.
    expect(run('server', 'start-dev', '--headless', '--dynamic-config-value', 'matching.enableFairness=true')).toMatchObject({
      status: 2,
      stderr: expect.stringContaining('--dynamic-config-value matching.enableFairness=true is not supported'),
    });
  });
});
