import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-26T10-00-initial';
import * as slaEscalations from './2026-11-26T13-00-sla-escalations';
import * as sideNamedTaskTables from './2026-12-01T05-00-side-named-task-tables';
import * as signIn from './2026-12-01T06-00-sign-in';
import * as taskEvents from './2026-12-01T07-00-task-events';
import * as attachments from './2026-12-01T08-00-attachments';

/** Every migration, by name; names sort in the order they apply. Add new ones here. */
export const migrations: Record<string, Migration> = {
  '2026-11-26T10-00-initial': initial,
  '2026-11-26T13-00-sla-escalations': slaEscalations,
  '2026-12-01T05-00-side-named-task-tables': sideNamedTaskTables,
  '2026-12-01T06-00-sign-in': signIn,
  '2026-12-01T07-00-task-events': taskEvents,
  '2026-12-01T08-00-attachments': attachments,
};
