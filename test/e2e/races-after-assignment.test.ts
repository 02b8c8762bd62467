// The race matrix (test/harness/race-matrix.ts) from the states after the agent's assignment; the
// earlier ones are in races-before-assignment.test.ts, so two test processes share the matrix.
import { describeRaceMatrix } from '../harness/race-matrix';

describeRaceMatrix(['awaiting_info', 'resolved', 'closed', 'cancelled']);
