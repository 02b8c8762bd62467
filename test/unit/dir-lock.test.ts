// One process at a time in a data directory (config/dir-lock.ts): a second owner is refused with a
// message naming the first; a lock whose process is gone, or whose pid now belongs to another
// process, is taken over.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryInUseError, lockDirectory, lockFileOf } from '../../config/dir-lock';

const root = mkdtempSync(join(tmpdir(), 'sx-dir-lock-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `data-${n++}`);

/** A child process that takes `dir`, says so, and holds it until killed. */
async function holderProcess(dir: string) {
  const url = new URL('../../config/dir-lock.ts', import.meta.url).href;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { lockDirectory } from ${JSON.stringify(url)}; lockDirectory(${JSON.stringify(dir)}, 'a test holder'); console.log('held'); setInterval(() => {}, 1000);`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

describe('a data directory lock', () => {
  it('refuses a second owner in the same process, naming the first; released, the directory can be taken again', () => {
    const dir = freshDir();
    const lock = lockDirectory(dir, 'the first owner');
    expect(() => lockDirectory(dir, 'the second')).toThrow(DirectoryInUseError);
    expect(() => lockDirectory(dir, 'the second')).toThrow(new RegExp(`${dir} is in use by process ${process.pid} \\(the first owner, `));
    lock.release();
    expect(existsSync(lockFileOf(dir))).toBe(false);
    lockDirectory(dir, 'the second').release();
  });

  it('refuses while another process holds it, and takes it over once that process was killed (-9)', async () => {
    const dir = freshDir();
    const holder = await holderProcess(dir);
    try {
      expect(() => lockDirectory(dir, 'a second service')).toThrow(new RegExp(`in use by process ${holder.pid} \\(a test holder, `));
    } finally {
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    // The killed holder's file is still there, naming a process that is gone.
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8')).pid).toBe(holder.pid);
    const lock = lockDirectory(dir, 'the restarted service');
    expect(JSON.parse(readFileSync(lockFileOf(dir), 'utf8'))).toMatchObject({ pid: process.pid, owner: 'the restarted service' });
    lock.release();
  });

  it('takes over a lock whose pid now runs another process (a reused pid), and one that is unreadable', () => {
    const reused = freshDir();
    writeFileSync(lockFileOf(reused), JSON.stringify({ pid: process.pid, started: 'an earlier boot', owner: 'a service before a reboot', command: 'npm start' }));
    lockDirectory(reused, 'this one').release();

    const garbled = freshDir();
    writeFileSync(lockFileOf(garbled), '{"pid": 12');
    lockDirectory(garbled, 'this one').release();
  });

  it('leaves a lock it no longer holds alone when released', () => {
    const dir = freshDir();
    const lock = lockDirectory(dir, 'the first owner');
    // Someone removed the file and another process took the directory since.
    const other = JSON.stringify({ pid: 1, owner: 'another', command: 'init' });
    writeFileSync(lockFileOf(dir), other);
    lock.release();
    expect(readFileSync(lockFileOf(dir), 'utf8')).toBe(other);
  });
});
