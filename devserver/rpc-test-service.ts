import * as grpc from '@grpc/grpc-js';
import { durationMs, timestamp, timestampMs, type proto } from './proto';
import { ServiceError } from './errors';
import type { VirtualClock } from './clock';
import type { Handlers } from './rpc-common';

/** TestService: time skipping on the virtual clock. */
export function testServiceHandlers(clock: VirtualClock): Handlers {
  return {
    LockTimeSkipping: () => {
      clock.lockSkipping();
      return {};
    },
    UnlockTimeSkipping: () => {
      try {
        clock.unlockSkipping();
      } catch (err) {
        throw new ServiceError(grpc.status.FAILED_PRECONDITION, (err as Error).message);
      }
      return {};
    },
    Sleep: async (req: proto.temporal.api.testservice.v1.SleepRequest) => {
      await new Promise<void>((resolve) => clock.after(durationMs(req.duration), resolve));
      return {};
    },
    SleepUntil: async (req: proto.temporal.api.testservice.v1.SleepUntilRequest) => {
      await new Promise<void>((resolve) => clock.at(timestampMs(req.timestamp), resolve));
      return {};
    },
    UnlockTimeSkippingWithSleep: async (req: proto.temporal.api.testservice.v1.SleepRequest) => {
      const done = new Promise<void>((resolve) => clock.after(durationMs(req.duration), resolve));
      clock.unlockSkipping();
      try {
        await done;
      } finally {
        clock.lockSkipping();
      }
      return {};
    },
    GetCurrentTime: () => ({ time: timestamp(clock.now()) }),
  };
}
