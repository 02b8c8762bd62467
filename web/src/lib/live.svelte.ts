// Live updates: one Server-Sent Events stream (GET /events, same origin, the session cookie) shared by
// every page. A page subscribes and re-reads what it shows when an event concerns it. The browser's
// EventSource reconnects by itself and sends Last-Event-ID, so the server can catch up; if the stream
// keeps failing (or the server has none), the pages are refreshed by polling every 5 s instead, and
// the stream is tried again now and then.
import { untrack } from 'svelte';

/** A `task` event on the stream: the task it concerns (this instance's number) and what happened. */
export interface LiveEvent {
  task: string;
  kind: string;
  [key: string]: unknown;
}

/** Called with an event, or with null when everything should be re-read (a poll, a reconnection). */
export type LiveListener = (event: LiveEvent | null) => void;

export const POLL_MS = 5_000;
/** Errors in a row after which the stream is given up for polling. */
const MAX_ERRORS = 3;
/** How long polling lasts before the stream is tried again. */
const RETRY_STREAM_MS = 60_000;

export const live = $state<{ mode: 'off' | 'connecting' | 'live' | 'polling' }>({ mode: 'off' });

const listeners = new Set<LiveListener>();
let source: EventSource | null = null;
let errors = 0;
let pollTimer: ReturnType<typeof setInterval> | undefined;
let retryTimer: ReturnType<typeof setTimeout> | undefined;
let missed = false;

const notify = (event: LiveEvent | null) => {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch (err) {
      console.error(err);
    }
  }
};

function parse(data: string): LiveEvent | null {
  try {
    const value = JSON.parse(data) as unknown;
    if (value && typeof value === 'object' && typeof (value as LiveEvent).task === 'string') return value as LiveEvent;
  } catch {
    // Not JSON: treat as "something changed".
  }
  return null;
}

function connect() {
  if (typeof EventSource === 'undefined') return startPolling(false);
  live.mode = 'connecting';
  const es = new EventSource('/events');
  source = es;
  es.onopen = () => {
    if (source !== es) return;
    live.mode = 'live';
    errors = 0;
    stopPolling();
    // After a gap the server replays from Last-Event-ID; re-reading once covers anything it could not.
    if (missed) notify(null);
    missed = false;
  };
  // The stream's event types (GET /events): `task` for a change to one task, `reset` when the server
  // no longer has what this browser missed, `superseded` when newer streams of this user replaced it.
  es.addEventListener('task', (message: MessageEvent<string>) => {
    if (source === es) notify(parse(message.data));
  });
  es.addEventListener('reset', () => {
    if (source === es) notify(null);
  });
  es.addEventListener('superseded', () => {
    if (source === es) startPolling(true);
  });
  es.onerror = () => {
    if (source !== es) return;
    errors += 1;
    missed = true;
    // CLOSED: the browser gave up (no stream here, a 401, a wrong content type); else it retries itself.
    if (es.readyState === EventSource.CLOSED || errors >= MAX_ERRORS) startPolling(true);
    else live.mode = 'connecting';
  };
}

function disconnect() {
  source?.close();
  source = null;
}

function startPolling(retryStream: boolean) {
  disconnect();
  live.mode = 'polling';
  if (!pollTimer) pollTimer = setInterval(() => notify(null), POLL_MS);
  clearTimeout(retryTimer);
  if (retryStream) {
    retryTimer = setTimeout(() => {
      errors = 0;
      if (listeners.size) connect();
    }, RETRY_STREAM_MS);
  }
}

function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = undefined;
  clearTimeout(retryTimer);
  retryTimer = undefined;
}

/** Subscribes to live updates; the stream runs while anyone listens. Returns the unsubscribe function. */
export function subscribe(listener: LiveListener): () => void {
  // Untracked: a page subscribes from an effect, which must not re-run when the stream's mode changes.
  return untrack(() => {
    listeners.add(listener);
    if (listeners.size === 1 && live.mode === 'off') connect();
    return () =>
      untrack(() => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      });
  });
}

/** Closes the stream and stops polling (signing out). */
export function stop() {
  disconnect();
  stopPolling();
  errors = 0;
  missed = false;
  live.mode = 'off';
}

/**
 * Runs `load` now and again whenever asked, never two at once: a request for a reload while one runs
 * is done once it ends (so a burst of events costs at most two reads).
 */
export function coalesced(load: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await load();
      } while (again);
    } finally {
      running = false;
    }
  };
  return () => void run();
}
