import * as grpc from '@grpc/grpc-js';
import { durationMs, num, timestamp, timestampMs, type DurationMsg, type TimestampMsg, type proto } from './proto';
import { ServiceError, invalidArgument } from './errors';
import type { VirtualClock } from './clock';
import type { Handlers } from './rpc-common';

type SleepRequest = proto.temporal.api.testservice.v1.SleepRequest;

// The ranges google.protobuf.Duration and Timestamp define (0001-01-01 to 9999-12-31 for a timestamp).
const MAX_DURATION_SECONDS = 315_576_000_000;
const MIN_TIMESTAMP_SECONDS = -62_135_596_800;
const MAX_TIMESTAMP_SECONDS = 253_402_300_799;

const unbalanced = () => new ServiceError(grpc.status.FAILED_PRECONDITION, 'time skipping is not locked: an unlock must follow a lock');

/**
 * A sleep's duration in ms: unset is zero; negative is zero too, as in Temporal's test server (a client
 * sleeping until a deadline that has just passed); malformed is INVALID_ARGUMENT.
 */
function sleepMs(d: DurationMsg | null | undefined): number {
  const seconds = num(d?.seconds);
  const nanos = d?.nanos ?? 0;
  if (Math.abs(nanos) >= 1e9 || Math.abs(seconds) > MAX_DURATION_SECONDS || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    throw invalidArgument(`duration is not a valid google.protobuf.Duration (got seconds=${seconds}, nanos=${nanos})`);
  }
  return Math.max(0, durationMs(d));
}

function untilMs(t: TimestampMsg | null | undefined): number {
  if (!t) throw invalidArgument('timestamp is not set');
  const seconds = num(t.seconds);
  const nanos = t.nanos ?? 0;
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos >= 1e9) {
    throw invalidArgument(`timestamp is not a valid google.protobuf.Timestamp (got seconds=${seconds}, nanos=${nanos})`);
  }
  return timestampMs(t);
}

/** TestService, as Temporal's test server defines it: time skipping on the virtual clock's shared lock count. */
export function testServiceHandlers(clock: VirtualClock): Handlers {
  const sleepUntil = (at: number) => new Promise<void>((resolve) => clock.at(at, resolve));
  return {
    LockTimeSkipping: () => {
      clock.lockSkipping();
      return {};
    },
    UnlockTimeSkipping: () => {
      if (!clock.unlockSkipping()) throw unbalanced();
      return {};
    },
    Sleep: async (req: SleepRequest) => {
      await sleepUntil(clock.now() + sleepMs(req.duration));
      return {};
    },
    SleepUntil: async (req: proto.temporal.api.testservice.v1.SleepUntilRequest) => {
      await sleepUntil(untilMs(req.timestamp));
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req: SleepRequest) => {
      const slept = clock.unlockFor(sleepMs(req.duration));
      if (!slept) throw unbalanced();
      await slept;
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };
}
