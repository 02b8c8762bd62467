import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import sse, { type SSEMessage } from '@fastify/sse';
import { Type } from 'typebox';
import type { InstanceDatabases } from '../../db/instances';
import { DomainError } from '../../domain/errors';
import { taskEventKinds, type TaskEvent } from '../../db/repositories/task-events';
import { LiveEvents, type LiveEventsOptions, type Start } from '../../services/live-events';
import { LIVE_STREAMS_PER_USER, LiveStreams } from '../live-streams';
import { SESSION_COOKIE, callerOf } from '../plugins/auth';
import { errorResponses } from '../schemas';

export interface LiveOptions extends Pick<LiveEventsOptions, 'pollMs'> {
  /** Open streams this process holds in all (LIVE_STREAMS_MAX). */
  maxStreams: number;
  /** How often a stream opened with the session cookie checks that the session still holds (default 30 s). */
  sessionCheckMs?: number;
}

const SESSION_CHECK_MS = 30_000;

/** How long a browser waits before reconnecting after the stream ended (the `retry:` hint). */
export const RETRY_MS = 2_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;
/** What a stream may have queued for a client that stopped reading; past it the stream ends and the client resumes from its Last-Event-ID. */
const MAX_UNSENT_BYTES = 64 * 1024;

/** The only form of Last-Event-ID this API hands out; anything else is a position it cannot resume from. */
const lastEventIdOf = (header: string | undefined): number | undefined => {
  if (header === undefined || header === '') return undefined;
  return /^\d{1,15}$/.test(header) ? Number(header) : Number.MAX_SAFE_INTEGER;
};

const taskMessage = (e: TaskEvent): SSEMessage => ({ id: String(e.id), event: 'task', data: { task: e.task, kind: e.kind, at: e.at.toISOString() } });

const STREAM_DESCRIPTION = [
  'Server-Sent Events telling this instance\'s users which of its tasks changed, within a second, whichever API process or worker wrote the change. ',
  'An event carries no content: re-read `GET /tasks/:number` (and the lists), which apply the caller\'s authorization. Events:\n',
  '- `task` `{task, kind, at}`: `kind` is one of ' + taskEventKinds.map((k) => `\`${k}\``).join(', ') + '.\n',
  '- `ready` `{position}`: sent once after any catch-up: from here on, live. Carries the `retry:` hint.\n',
  '- `reset` `{reason}`: the `Last-Event-ID` is older than the events kept (or unknown here): reload everything.\n',
  '- `superseded`: the same user opened more streams than allowed here; this, the oldest, ends. Do not reconnect it.\n',
  'Every event has an `id:`; reconnecting with `Last-Event-ID` (browsers do it themselves) first sends what was missed, each once. ',
  'A comment line every 15 s keeps the stream open. 503 when the process holds as many streams as it may (LIVE_STREAMS_MAX).',
].join('');

/**
 * GET /events: the caller's instance's task changes as Server-Sent Events, from the task_events tables.
 * One route, long because it is a stream's whole life: admission, session checks, resumption, its end.
 */
export default async function eventRoutes(fastify: FastifyInstance, opts: { instances: InstanceDatabases; live: LiveOptions }) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  await app.register(sse, { heartbeatInterval: HEARTBEAT_MS });
  const live = new LiveEvents(opts.instances, { pollMs: opts.live.pollMs, log: app.log });
  const streams = new LiveStreams(opts.live.maxStreams);
  // Fastify's close waits for open connections, and a stream never ends by itself: end them first.
  // Their browsers reconnect, to another process, and resume from their Last-Event-ID.
  app.addHook('preClose', async () => streams.endAll());
  app.addHook('onClose', async () => live.close());

  app.get(
    '/events',
    {
      // Streams whatever the Accept header says: a refusal would not come in the product's error shape.
      sse: { kind: 'manual' },
      schema: {
        summary: "Live updates: which of this instance's tasks changed (Server-Sent Events)",
        description: STREAM_DESCRIPTION,
        headers: Type.Object({
          'last-event-id': Type.Optional(Type.String({ description: 'The id of the last event received: the stream resumes after it' })),
        }),
        response: {
          200: { description: 'A text/event-stream that stays open', content: { 'text/event-stream': { schema: Type.String() } } },
          ...errorResponses(401, 403, 503),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const stream = reply.sse;
      const send = (message: SSEMessage) => {
        if (!stream.isConnected) return;
        // A client that stopped reading gets no unbounded queue: its stream ends, and it resumes later.
        if (reply.raw.writableLength > MAX_UNSENT_BYTES) return stream.close();
        stream.send(message).catch(() => {});
      };
      let unsubscribe: (() => void) | undefined;
      const release = streams.admit(`${caller.instance}/${caller.user.id}`, {
        supersede: () => {
          send({ event: 'superseded', data: { reason: `More than ${LIVE_STREAMS_PER_USER} live streams were opened for this user; this, the oldest, ends` } });
          stream.close();
        },
        end: () => stream.close(),
      });
      // A session signed out or expired ends its streams too: the browser's reconnect then gets 401.
      const cookie = request.session ? request.cookies[SESSION_COOKIE] : undefined;
      let sessionCheck: NodeJS.Timeout | undefined;
      if (cookie) {
        sessionCheck = setInterval(() => {
          request.server.sessions.authenticate(cookie, { touch: false }).catch(() => stream.close());
        }, opts.live.sessionCheckMs ?? SESSION_CHECK_MS);
      }
      const ended = new Promise<void>((resolve) =>
        stream.onClose(() => {
          clearInterval(sessionCheck);
          unsubscribe?.();
          release();
          resolve();
        }),
      );
      try {
        unsubscribe = await live.subscribe(caller.instance, lastEventIdOf(request.headers['last-event-id']), {
          start: (start: Start) => {
            if (start.kind === 'reset') {
              send({ id: String(start.position), event: 'reset', data: { reason: 'Events since your Last-Event-ID are no longer kept: reload everything' } });
            } else {
              for (const event of start.missed) send(taskMessage(event));
            }
            send({ id: String(start.position), event: 'ready', retry: RETRY_MS, data: { position: String(start.position) } });
          },
          event: (event) => send(taskMessage(event)),
        });
      } catch (err) {
        release();
        throw err;
      }
      // Superseded or shut down while it was subscribing: nothing was sent, so an error can still be answered.
      if (!stream.isConnected && !reply.raw.headersSent) {
        unsubscribe();
        release();
        throw new DomainError('unavailable', 'The stream was closed before it started; retry shortly', { retryAfter: 1 });
      }
      await ended;
    },
  );
}
