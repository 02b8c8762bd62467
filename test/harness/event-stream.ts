/** One Server-Sent Event as a browser's EventSource sees it; `data` parsed as JSON. */
export interface ReceivedEvent {
  id?: string;
  event: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  retry?: number;
}

export interface EventStream {
  status: number;
  headers: Headers;
  /** A refusal's JSON body (any status but 200). */
  body?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Every event received so far, in order (heartbeat comments left out). */
  events: ReceivedEvent[];
  /** Resolves once the server ended the stream, or `close()` was called. */
  ended: Promise<void>;
  readonly open: boolean;
  /** Disconnects, as a browser does when its tab closes. */
  close(): void;
}

/** Connects to an event stream over real HTTP (app.inject cannot stream) and collects what it sends. */
export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const events: ReceivedEvent[] = [];
  if (res.status !== 200) {
    return { status: res.status, headers: res.headers, body: await res.json(), events, ended: Promise.resolve(), open: false, close: () => {} };
  }
  let open = true;
  const ended = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = parseBlock(block);
          if (event) events.push(event);
        }
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      open = false;
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    ended,
    get open() {
      return open;
    },
    close: () => abort.abort(),
  };
}

function parseBlock(block: string): ReceivedEvent | undefined {
  const fields: Record<string, string> = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    fields[name] = name === 'data' && fields.data !== undefined ? `${fields.data}\n${value}` : value;
  }
  if (Object.keys(fields).length === 0) return undefined;
  return {
    id: fields.id,
    event: fields.event ?? 'message',
    data: fields.data === undefined ? undefined : JSON.parse(fields.data),
    retry: fields.retry === undefined ? undefined : Number(fields.retry),
  };
}
