import { DefaultLogger, Runtime } from '@temporalio/worker';
import { setPasswordCostForTests } from '../../services/passwords';

// Password hashes made in tests cost N = 2^10 instead of 2^15: every stack seeds demo passwords and
// the session tests sign in dozens of times. test/unit/passwords.test.ts also checks the real cost.
setPasswordCostForTests(10);

// Workers log at WARN in tests: enough to see real problems, quiet enough to read vitest's output.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // already installed in this process
}
