// A page of GET /tasks with the API's cursor paging, kept in step with live updates.
import { call, client, type TaskList, type TaskListQuery } from './api';

export class TaskPage {
  list = $state<TaskList | null>(null);
  error = $state<string | null>(null);
  loading = $state(false);
  /** The cursors of the pages before this one (the first page has none). */
  #previous = $state<Array<string | undefined>>([]);
  #cursor = $state<string | undefined>(undefined);
  #query: TaskListQuery = {};

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
  async filter(query: TaskListQuery) {
    this.#query = query;
    this.#previous = [];
    this.#cursor = undefined;
    await this.reload();
  }

  /** Reads the current page again (live updates call this). */
  reload = async () => {
    this.loading = true;
    try {
      const query: TaskListQuery = { ...this.#query, ...(this.#cursor ? { cursor: this.#cursor } : {}) };
      this.list = await call(client.GET('/tasks', { params: { query } }));
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
