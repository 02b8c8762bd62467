// One process at a time in a data directory. Two processes on the same files (a second `npm start`
// with other ports, `npm run reconcile` beside a running service, two dev servers given one data dir)
// would each append to the same journal and write the same database pages, and corrupt both. As with
// PostgreSQL's postmaster.pid: a file beside the directory names the process that owns it; one whose
// process is gone (killed, crashed) is taken over by the next start.
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Another process has the directory. */
export class DirectoryInUseError extends Error {}

export interface DirectoryLock {
  /** Gives the directory up (only if this lock still holds it). */
  release(): void;
}

interface Holder {
  pid: number;
  /** The process's start time (Linux: /proc/<pid>/stat), so a reused pid is not taken for the owner. */
  started?: string;
  /** What holds it and the command that runs it, for the message a second process gets. */
  owner: string;
  command: string;
}

/** The directory's lock file: beside it, so the directory's own contents stay as its owner made them. */
export const lockFileOf = (dir: string) => `${dir.replace(/[\\/]+$/, '')}.lock`;

/**
 * Takes `dir` for this process (`owner` says what for, e.g. "the embedded Temporal dev server"), or
 * throws naming the process that has it. The same process opening it twice is refused too.
 */
export function lockDirectory(dir: string, owner: string): DirectoryLock {
  const file = lockFileOf(dir);
  mkdirSync(dirname(file), { recursive: true });
  const command = process.argv.slice(1).join(' ');
  const mine = JSON.stringify({ pid: process.pid, started: startTimeOf(process.pid), owner, command } satisfies Holder);
  // Written whole under a name of its own, then linked into place: linking fails if the lock exists,
  // and a reader never sees a half-written one.
  const temp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temp, mine);
  try {
    // A stale lock is removed and the link tried again; twice is enough unless others keep racing.
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(temp, file);
        return {
          release() {
            if (readIfExists(file) === mine) unlinkIfExists(file);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const held = readIfExists(file);
      if (held === undefined) continue;
      const holder = parseHolder(held);
      if (holder && isRunning(holder)) {
        throw new DirectoryInUseError(
          `${dir} is in use by process ${holder.pid} (${holder.owner}, ${holder.command}): stop it first, or give this one another data directory`,
        );
      }
      unlinkIfExists(file);
    }
    throw new Error(`${dir}: could not take ${file} (other processes keep taking it)`);
  } finally {
    unlinkIfExists(temp);
  }
}

function isRunning(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists, under another user.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !holder.started || startTimeOf(holder.pid) === holder.started;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined where there is no /proc. */
function startTimeOf(pid: number): string | undefined {
  const stat = readIfExists(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Holder;
    return Number.isInteger(value.pid) && value.pid > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function unlinkIfExists(file: string): void {
  try {
    unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
