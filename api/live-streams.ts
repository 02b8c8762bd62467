import { DomainError } from '../domain/errors';

/** Open event streams one user keeps in this process: a browser's tabs. A new one beyond this supersedes the oldest. */
export const LIVE_STREAMS_PER_USER = 5;
/** Open event streams one API process holds in all (LIVE_STREAMS_MAX). */
export const DEFAULT_LIVE_STREAMS_MAX = 2_000;
/** What a refused stream is told to wait before trying again (Retry-After). */
const FULL_RETRY_AFTER_SECONDS = 30;

interface OpenStream {
  /** Ends the stream because its user opened a newer one beyond the cap: the client should not reconnect. */
  supersede(): void;
  /** Ends the stream because the process is shutting down: the client reconnects (to another process). */
  end(): void;
}

/** The event streams open in this process, counted in all and per user, oldest first. */
export class LiveStreams {
  private readonly byUser = new Map<string, Set<OpenStream>>();
  private open = 0;

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`the most open event streams must be a positive whole number, got ${max}`);
  }

  /**
   * Counts a new stream of `user` (instance and user id): supersedes that user's oldest beyond
   * LIVE_STREAMS_PER_USER, or refuses with `unavailable` when the process holds `max` already. Returns the
   * function that stops counting it (safe to call twice).
   */
  admit(user: string, stream: OpenStream): () => void {
    const own = this.byUser.get(user) ?? new Set<OpenStream>();
    if (own.size < LIVE_STREAMS_PER_USER && this.open >= this.max) {
      throw new DomainError('unavailable', 'This server holds as many live event streams as it may; retry shortly, and reload by polling meanwhile', {
        retryAfter: FULL_RETRY_AFTER_SECONDS,
      });
    }
    while (own.size >= LIVE_STREAMS_PER_USER) {
      const oldest = own.values().next().value!;
      this.remove(user, own, oldest);
      oldest.supersede();
    }
    own.add(stream);
    this.byUser.set(user, own);
    this.open++;
    return () => this.remove(user, own, stream);
  }

  /** Ends every stream (shutdown: Fastify's close waits for open connections, and these never end on their own). */
  endAll(): void {
    const all = [...this.byUser.values()].flatMap((own) => [...own]);
    this.byUser.clear();
    this.open = 0;
    for (const stream of all) stream.end();
  }

  private remove(user: string, own: Set<OpenStream>, stream: OpenStream): void {
    if (!own.delete(stream)) return;
    this.open--;
    if (own.size === 0 && this.byUser.get(user) === own) this.byUser.delete(user);
  }
}
