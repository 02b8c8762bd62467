// The race matrix (test/harness/race-matrix.ts) from every state, in the order a request passes them:
// a race that leaves its request in a later state hands it on to that state's races.
import { describeRaceMatrix } from '../harness/race-matrix';

describeRaceMatrix(['new', 'received', 'work_in_progress', 'awaiting_info', 'resolved', 'closed', 'cancelled']);
