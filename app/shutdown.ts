// Graceful shutdown on SIGINT/SIGTERM, once. Ctrl-C in a terminal signals the whole foreground process
// group, and `npm start` (npm run-script) also forwards the SIGINT it got to its child: the service
// receives the same keypress two or more times within milliseconds. close-with-grace treats any second
// signal as "force exit", so its own signal handling is replaced here: a repeat within
// `duplicateWindowMs` of the first is the same keypress and is ignored; a later one (a deliberate
// second Ctrl-C) still forces the exit. Errors (uncaught exception, unhandled rejection) and the
// shutdown deadline stay close-with-grace's.
import closeWithGrace from 'close-with-grace';

/** The signals that start a graceful shutdown. */
export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** A repeated signal this soon after the first is the same keypress delivered through the group. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

export interface ShutdownOptions {
  /** Give up and exit 1 if the shutdown takes longer than this. */
  delay: number;
  /** Where the shutdown is told about ("shutting down...", "forced exit"). */
  say: (message: string) => void;
  duplicateWindowMs?: number;
}

/**
 * Runs `close` once, on the first shutdown signal or on an uncaught error, then exits (0 after a
 * signal, 1 after an error or when `delay` passes).
 */
export function onShutdown(opts: ShutdownOptions, close: (why: { signal?: string; err?: Error }) => Promise<void>): void {
  const window = opts.duplicateWindowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
  const grace = closeWithGrace(
    {
      delay: opts.delay,
      // Our handlers below own these; close-with-grace keeps the error events and the rest.
      skip: [...SHUTDOWN_SIGNALS],
      onTimeout: (ms) => opts.say(`shutdown did not finish within ${ms} ms; exiting`),
    },
    async ({ err, signal }) => {
      if (err) console.error(err);
      await close({ err, signal: signal ?? received });
    },
  );
  let received: string | undefined;
  let firstAt = 0;
  const onSignal = (signal: string) => {
    const now = Date.now();
    if (received === undefined) {
      received = signal;
      firstAt = now;
      opts.say(`${signal}: shutting down gracefully (press Ctrl-C again to force)`);
      void grace.close();
      return;
    }
    // The same keypress (or `kill` of the group) seen again through npm or the process group.
    if (now - firstAt < window) return;
    opts.say(`second ${signal} during shutdown: exiting now`);
    process.exit(1);
  };
  for (const signal of SHUTDOWN_SIGNALS) process.on(signal, onSignal);
}
