import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';

let image: Promise<Blob> | undefined;

/** The run's image of an empty migrated database: in-memory instances start from it (much faster than initdb). */
export const databaseImage = (): Promise<Blob> => (image ??= readFile(inject('databaseImagePath')).then((bytes) => new Blob([bytes])));
