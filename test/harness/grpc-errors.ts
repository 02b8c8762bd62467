/** The gRPC status code carried by an error or any error in its cause chain. */
export function grpcCode(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

/** Runs `call`, which must fail, and returns the gRPC status code it failed with (-1: none). */
export async function codeOf(call: () => Promise<unknown>): Promise<number | undefined> {
  try {
    await call();
  } catch (err) {
    return grpcCode(err) ?? -1;
  }
  throw new Error('expected the call to fail');
}
