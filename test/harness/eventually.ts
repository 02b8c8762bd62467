/**
 * Polls `read` until `ok` holds (for the other side's database to show a replicated change) and
 * returns the value. After ~10 s: throws naming `what` when given, else returns the last value so the
 * caller's own assertion shows what was there.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what?: string): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read();
    if (ok(value)) return value;
    if (i >= 400) {
      if (what) throw new Error(`timed out waiting for ${what}`);
      return value;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
