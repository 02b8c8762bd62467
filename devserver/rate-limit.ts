/**
 * A task queue's dispatch rate limit, as the real server's matching keeps one: the `maxTasksPerSecond`
 * a worker polls with (`taskQueueMetadata`; the SDKs' `maxTaskQueueActivitiesPerSecond`) applies to
 * the whole queue, whichever worker polls. A token bucket holding ceil(rate) tokens, at least one (the
 * real server's burst), refilled at `rate` a second: a burst goes out at once, the rest spaced.
 */
export class RateLimit {
  private tokens: number;
  private at: number;

  constructor(
    private rate: number,
    now: number,
  ) {
    this.tokens = this.burst;
    this.at = now;
  }

  private get burst(): number {
    return Math.max(1, Math.ceil(this.rate));
  }

  /** A later poll's rate replaces this one (tokens already earned are kept, up to the new burst). */
  setRate(rate: number, now: number): void {
    this.refill(now);
    this.rate = rate;
    this.tokens = Math.min(this.tokens, this.burst);
  }

  /** True when a task may go out now (then `take`, once it has). */
  available(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  /** Milliseconds until a token is there. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.rate) * 1000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (Math.max(0, now - this.at) / 1000) * this.rate);
    this.at = now;
  }
}
