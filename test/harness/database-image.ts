import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';

let image: Promise<Uint8Array> | undefined;

/** The run's image of an empty migrated database: in-memory instances start from it (much faster than initdb). */
export const databaseImage = (): Promise<Uint8Array> => (image ??= readFile(inject('databaseImagePath')));
