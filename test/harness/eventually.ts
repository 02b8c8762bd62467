export interface EventuallyOptions {
  /** How many times `read` runs again after the first read before giving up (default 400: ~10 s). */
  attempts?: number;
  /** The pause between two reads, in milliseconds (default 25). */
  everyMs?: number;
  /** Given: giving up throws "timed out waiting for <what>". Omitted: returns the last value, so the caller's own assertion shows what was there. */
  what?: string;
}

/**
 * Polls `read` until `ok` holds (for the other side's database to show a replicated change, a fault
 * to be reached, a worker to catch up) and returns the value.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, options: EventuallyOptions = {}): Promise<T> {
  const { attempts = 400, everyMs = 25, what } = options;
  for (let i = 0; ; i++) {
    const value = await read();
    if (ok(value)) return value;
    if (i >= attempts) {
      if (what) throw new Error(`timed out waiting for ${what}`);
      return value;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
