import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

// Tests start dev servers, entry points, `npm start` and browsers in processes of their own. One a test
// forgets keeps running after the run, holding a port, memory and a data dir. Every process this run
// starts inherits a mark in its environment; at the end, any still running with it fails the run (it
// is named, then killed). Linux only: other systems have no /proc to read the marks from.

const MARK = 'SERVICE_EXCHANGE_TEST_RUN';

export default function setup(): () => void {
  const run = randomUUID();
  // Set before vitest forks its test processes, so they and all they start inherit it.
  process.env[MARK] = run;
  return () => {
    const leftover = processesMarked(`${MARK}=${run}`);
    if (!leftover.length) return;
    for (const p of leftover) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
    console.error(`\nThe tests left ${leftover.length} process(es) running (now killed):\n${leftover.map((p) => `  ${p.pid} ${p.command}`).join('\n')}`);
    // vitest reports a throwing teardown but still exits 0: the exit code is set here.
    process.exitCode = 1;
  };
}

function processesMarked(mark: string): Array<{ pid: number; command: string }> {
  if (!existsSync('/proc/self/environ')) return [];
  const found = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(mark)) continue;
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      // vitest's own test processes are still exiting as the run ends; its main process's helpers
      // (esbuild's service) end with it.
      if (parent !== process.pid && !command.includes('vitest')) found.push({ pid, command: command.slice(0, 200) });
    } catch {
      // Exited, or not ours to read.
    }
  }
  return found;
}
