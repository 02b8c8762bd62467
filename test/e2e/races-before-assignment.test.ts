// The race matrix (test/harness/race-matrix.ts) from the states up to the agent's assignment; the
// later states are in races-after-assignment.test.ts, so two test processes share the matrix.
import { describeRaceMatrix } from '../harness/race-matrix';

describeRaceMatrix(['new', 'received', 'work_in_progress']);
