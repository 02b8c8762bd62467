// A process that shuts down like the entry points (app/shutdown.ts), with a shutdown that takes
// CLOSE_MS, for test/e2e/shutdown.test.ts to signal.
import { onShutdown } from '../../app/shutdown';

const closeMs = Number(process.env.CLOSE_MS ?? 1500);
const say = (m: string) => console.log(`[fixture] ${m}`);
onShutdown({ delay: 10_000, say }, async () => {
  say('closing');
  await new Promise((resolve) => setTimeout(resolve, closeMs));
  say('closed');
});
setInterval(() => {}, 1000);
say('ready');
