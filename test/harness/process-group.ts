import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { entryArgs } from './entry-process';

// Ctrl-C in a terminal sends SIGINT to the whole foreground process group. Imitated without a
// terminal: an entry point is started in a group of its own (detached) and the group is signalled.

export const root = join(import.meta.dirname, '..', '..');

export interface Run {
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  ready: Promise<void>;
}

/** Runs `entry` (as the npm scripts do) in a process group of its own; `ready` once its output holds `readyLine` (or it exited). */
export function startInGroup(entry: string, env: NodeJS.ProcessEnv, readyLine: string): Run {
  const child = spawn(process.execPath, entryArgs(entry), { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const collect = (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes(readyLine)) onReady();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  void exited.then(() => onReady());
  return { pid: child.pid!, output: () => out, exited, ready };
}

/** What a terminal does on Ctrl-C: SIGINT to every process in the group. */
export const ctrlC = (run: Run) => process.kill(-run.pid, 'SIGINT');
export const count = (text: string, what: string) => text.split(what).length - 1;
