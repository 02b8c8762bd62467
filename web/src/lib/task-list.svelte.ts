// A page of GET /tasks with the API's cursor paging, kept in step with live updates.
import { ApiError, call, client, type TaskList, type TaskListQuery } from './api';

/**
 * The queue's filters (`assignee`, `breached`, `open`, `order=queue`) beside the generated type's
 * state, limit and cursor: GET /tasks takes them once the queue's API lands (branch apiq);
 * regenerating api-types.d.ts then lists them, and this extension adds nothing.
 */
export type TaskQuery = TaskListQuery & { assignee?: 'me' | 'unassigned'; breached?: 'true'; open?: 'true'; order?: 'queue' };

export class TaskPage {
  list = $state<TaskList | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  /** The API refused the queue's filters (it predates them): the list shows without them. */
  filtersUnsupported = $state(false);
  /** The cursors of the pages before this one (the first page has none). */
  #previous = $state<Array<string | undefined>>([]);
  #cursor = $state<string | undefined>(undefined);
  #query: TaskQuery = {};

  get pageNumber() {
    return this.#previous.length + 1;
  }
  get hasPrevious() {
    return this.#previous.length > 0;
  }
  get hasNext() {
    return !!this.list?.nextCursor;
  }

  /** New filters: back to the first page. */
  async filter(query: TaskQuery) {
    this.#query = query;
    this.#previous = [];
    this.#cursor = undefined;
    await this.reload();
  }

  /** Reads the current page again (live updates call this). */
  reload = async () => {
    this.loading = true;
    try {
      const query: TaskQuery = { ...this.#query, ...(this.#cursor ? { cursor: this.#cursor } : {}) };
      try {
        this.list = await call(client.GET('/tasks', { params: { query: query as TaskListQuery } }));
      } catch (err) {
        // Transitional: an API without the queue's filters names the first one it does not accept.
        if (!(err instanceof ApiError && err.status === 422 && /^querystring\.(order|assignee|breached|open)$/.test(String(err.details.field)))) throw err;
        const { assignee: _a, breached: _b, open: _o, order: _q, ...known } = query;
        this.list = await call(client.GET('/tasks', { params: { query: known } }));
        this.filtersUnsupported = true;
      }
      this.error = null;
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      this.loading = false;
    }
  };

  async next() {
    if (!this.list?.nextCursor) return;
    this.#previous = [...this.#previous, this.#cursor];
    this.#cursor = this.list.nextCursor;
    await this.reload();
  }

  async previous() {
    if (!this.#previous.length) return;
    this.#cursor = this.#previous.at(-1);
    this.#previous = this.#previous.slice(0, -1);
    await this.reload();
  }
}
