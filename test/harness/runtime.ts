import { DefaultLogger, Runtime } from '@temporalio/worker';

// Workers log at WARN in tests: enough to see real problems, quiet enough to read vitest's output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
