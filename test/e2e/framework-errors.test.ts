import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, OPS_TOKEN, type TestStack } from '../harness/stack';
import { buildApp, BODY_LIMIT_BYTES } from '../../api/app';
import { MAX_PARAM_LENGTH, SHUTDOWN_RETRY_AFTER_SECONDS } from '../../api/plugins/errors';

// Errors raised by Fastify or Node before a route runs (the router, the HTTP parser, the body parser,
// a server that is closing) answer in the product's shape too: {"error": {"code", "message", "details?"}}
// with one of the documented codes. These go over a real socket: some of them never reach inject().

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** Parses every HTTP/1.1 response in `raw` (a connection's whole output). */
function parseResponses(raw: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const headEnd = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, headEnd).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    const bodyBytes = Buffer.from(rest.slice(headEnd + 4), 'utf8').subarray(0, length);
    const text = bodyBytes.toString('utf8');
    responses.push({ status: Number(statusLine.split(' ')[1]), headers, text, body: text ? JSON.parse(text) : undefined });
    rest = Buffer.from(rest.slice(headEnd + 4), 'utf8').subarray(length).toString('utf8');
  }
  return responses;
}

/** Sends `text` as is on a new connection and reads until the server closes it. */
function raw(port: number, text: string | Buffer): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (out += d));
    socket.on('error', () => undefined); // the server may reset after answering (e.g. headers too large)
    socket.on('close', () => {
      const [first] = parseResponses(out);
      if (first) resolve(first);
      else reject(new Error(`no HTTP response in ${JSON.stringify(out)}`));
    });
    setTimeout(() => socket.destroy(), 10_000).unref();
  });
}

const request = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
  [
    `${method} ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(body !== undefined && !('Content-Length' in headers) ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
    '',
    body ?? '',
  ].join('\r\n');

function expectProductError(res: RawResponse, status: number, code: string, names?: string | RegExp) {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error).toMatchObject({ code, message: expect.any(String) });
  expect(Object.keys(res.body.error).every((k) => ['code', 'message', 'details'].includes(k))).toBe(true);
  expect(res.text).not.toMatch(/FST_|statusCode|\.(ts|js):\d+|node_modules|\n\s+at /);
  if (typeof names === 'string') expect(res.body.error.message).toContain(names);
  else if (names) expect(res.body.error.message).toMatch(names);
}

let s: TestStack;
let port: number;
const auth = (name: string) => ({ Authorization: `Bearer ${s.demo.tokens[name] ?? name}` });

beforeAll(async () => {
  s = await createTestStack();
  await s.app.listen({ port: 0, host: '127.0.0.1' });
  port = (s.app.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await s?.close();
});

describe('the router', () => {
  it('a path parameter over 100 characters reaches its route, whose schema judges it', async () => {
    // 101–300 characters: a well-formed workflow id the ops routes accept (no such workflow here).
    const id = `exchange:acme:${'x'.repeat(150)}`;
    const found = await raw(port, request('GET', `/ops/requests/${encodeURIComponent(id)}`, { Authorization: `Bearer ${OPS_TOKEN}` }));
    expectProductError(found, 404, 'not_found');
    // Over the schema's 300: the schema names the parameter.
    const tooLong = await raw(port, request('GET', `/ops/requests/${'a'.repeat(301)}`, { Authorization: `Bearer ${OPS_TOKEN}` }));
    expectProductError(tooLong, 422, 'validation_failed', 'params.workflowId');
    expect(tooLong.body.error.details).toEqual({ field: 'params.workflowId' });
    // Percent-encoded, the longest id the schema accepts (300 characters, 600 UTF-16 units) fits the router.
    const astral = await raw(port, request('GET', `/ops/requests/${encodeURIComponent('😀'.repeat(300))}`, { Authorization: `Bearer ${OPS_TOKEN}` }));
    expect(astral.status).not.toBe(414);
    expect(astral.body).toHaveProperty('error.code');
  });

  it(`a path parameter over ${MAX_PARAM_LENGTH} characters: 422 validation_failed, not 414`, async () => {
    for (const path of [`/ops/requests/${'a'.repeat(MAX_PARAM_LENGTH + 1)}`, `/tasks/${'P'.repeat(MAX_PARAM_LENGTH + 1)}`, `/catalog/items/${'i'.repeat(5000)}/publish`]) {
      const res = await raw(port, request(path.includes('publish') ? 'POST' : 'GET', path, { Authorization: `Bearer ${OPS_TOKEN}` }));
      expectProductError(res, 422, 'validation_failed', String(MAX_PARAM_LENGTH));
      expect(res.body.error.details).toEqual({ field: 'params' });
    }
  });

  it('a broken percent-escape in the path: 400 bad_request', async () => {
    for (const path of ['/tasks/%E0%A4%A', '/tasks/%ZZ', '/ops/requests/%C3%28']) {
      expectProductError(await raw(port, request('GET', path, auth('ANN_TOKEN'))), 400, 'bad_request', /URL/);
    }
  });

  it('an unknown route, a method a route does not have, OPTIONS: 404 not_found (401 without a token)', async () => {
    expectProductError(await raw(port, request('GET', '/nowhere', auth('ANN_TOKEN'))), 404, 'not_found', '/nowhere');
    expectProductError(await raw(port, request('DELETE', '/tasks', auth('ANN_TOKEN'))), 404, 'not_found', 'DELETE /tasks');
    expectProductError(await raw(port, request('PUT', '/requests', auth('ANN_TOKEN'), '{}')), 404, 'not_found');
    expectProductError(await raw(port, request('OPTIONS', '/tasks', auth('ANN_TOKEN'))), 404, 'not_found', 'OPTIONS');
    expectProductError(await raw(port, request('OPTIONS', '*', auth('ANN_TOKEN'))), 404, 'not_found');
    expectProductError(await raw(port, request('GET', '/nowhere')), 401, 'unauthorized');
    expectProductError(await raw(port, request('OPTIONS', '/tasks')), 401, 'unauthorized');
    // A public path with a method it lacks has no route either.
    expectProductError(await raw(port, request('POST', '/health', { 'Content-Type': 'application/json' }, '{}')), 401, 'unauthorized');
  });
});

describe('the body parser', () => {
  const json = { 'Content-Type': 'application/json' };

  it('bad JSON, and an empty body sent as JSON: 400 bad_request', async () => {
    expectProductError(await raw(port, request('POST', '/requests', { ...auth('ANN_TOKEN'), ...json }, '{"a":')), 400, 'bad_request', /JSON/);
    expectProductError(await raw(port, request('POST', '/requests', { ...auth('ANN_TOKEN'), ...json }, '')), 400, 'bad_request', /empty/);
    expectProductError(await raw(port, request('POST', '/tasks/PTSK0000001/accept', { ...auth('ANN_TOKEN'), ...json, 'Content-Length': '0' })), 400, 'bad_request', /empty/);
  });

  it('an unsupported media type: 415 unsupported_media_type (multipart too, outside the upload route)', async () => {
    for (const type of ['application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded']) {
      const res = await raw(port, request('POST', '/requests', { ...auth('ANN_TOKEN'), 'Content-Type': type }, 'a=b'));
      expectProductError(res, 415, 'unsupported_media_type', /Media Type/i);
    }
  });

  it(`a body over ${BODY_LIMIT_BYTES} bytes: 413 payload_too_large, whether announced or sent`, async () => {
    // Announced by Content-Length: refused before it is read.
    expectProductError(
      await raw(port, request('POST', '/requests', { ...auth('ANN_TOKEN'), ...json, 'Content-Length': String(BODY_LIMIT_BYTES + 1) }, '{')),
      413,
      'payload_too_large',
    );
    const big = JSON.stringify({ body: 'x'.repeat(BODY_LIMIT_BYTES) });
    expectProductError(await raw(port, request('POST', '/tasks/PTSK0000001/comments', { ...auth('ANN_TOKEN'), ...json }, big)), 413, 'payload_too_large');
    // Sent chunked, with no length announced.
    const chunked = [
      'POST /requests HTTP/1.1', 'Host: 127.0.0.1', 'Connection: close', ...Object.entries({ ...auth('ANN_TOKEN'), ...json }).map(([k, v]) => `${k}: ${v}`),
      'Transfer-Encoding: chunked', '', `${Buffer.byteLength(big).toString(16)}`, big, '0', '', '',
    ].join('\r\n');
    expectProductError(await raw(port, chunked), 413, 'payload_too_large');
  });
});

describe('the HTTP parser', () => {
  it('headers over Node\'s limit: 431 bad_request', async () => {
    const res = await raw(port, request('GET', '/tasks', { ...auth('ANN_TOKEN'), 'X-Padding': 'p'.repeat(20_000) }));
    expectProductError(res, 431, 'bad_request', /headers/);
    expect(res.headers.connection).toBe('close');
  });

  it('a request that is not HTTP: 400 bad_request', async () => {
    expectProductError(await raw(port, 'HELLO THERE\r\n\r\n'), 400, 'bad_request', /HTTP/);
    expectProductError(await raw(port, 'GET /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), 400, 'bad_request');
  });
});

describe('shutting down', () => {
  it('a request arriving while the API closes: 503 unavailable with Connection: close and Retry-After; the one in flight finishes', async () => {
    // A second app on the same stack, with a route that holds a request in flight until released.
    const app = await buildApp({ instances: s.instances, temporal: s.temporal.client, taskQueue: s.taskQueue, opsToken: OPS_TOKEN });
    let release!: () => void;
    let entered!: () => void;
    const inFlight = new Promise<void>((resolve) => (entered = resolve));
    app.get('/test/slow', { config: { public: true } }, async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      return { finished: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const appPort = (app.server.address() as net.AddressInfo).port;

    // One keep-alive connection: a slow request, then, once close() has begun, another on the same connection.
    const socket = net.connect(appPort, '127.0.0.1');
    socket.setEncoding('utf8');
    let out = '';
    socket.on('data', (d) => (out += d));
    const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write('GET /test/slow HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await inFlight;
    const closed = app.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(`GET /tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${s.demo.tokens.ANN_TOKEN}\r\n\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await closed;
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    socket.destroy();

    const [slow, refused] = parseResponses(out);
    expect(slow.status, out).toBe(200);
    expect(slow.body).toEqual({ finished: true });
    expectProductError(refused, 503, 'unavailable', /shutting down/);
    expect(refused.headers.connection).toBe('close');
    expect(refused.headers['retry-after']).toBe(String(SHUTDOWN_RETRY_AFTER_SECONDS));
  });
});
