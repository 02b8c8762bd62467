// The web app's API types, generated from the API's own OpenAPI document (openapi-typescript), so
// the pages and the API cannot drift: `npm run api:types` writes web/src/lib/api-types.d.ts, and
// test/unit/api-types.test.ts fails when the checked-in file differs from what the API says now.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import type { Client } from '@temporalio/client';
import { buildApp } from '../api/app';
import type { InstanceDatabases } from '../db/instances';

/** The checked-in generated file the web app imports. */
export const API_TYPES_PATH = fileURLToPath(new URL('../web/src/lib/api-types.d.ts', import.meta.url));

const HEADER = `// Generated from the API's OpenAPI document by \`npm run api:types\` (app/api-types.ts). Do not edit:
// test/unit/api-types.test.ts fails when this file differs from what the API's routes declare.
`;

/** The OpenAPI document, from the routes' schemas: the API built on placeholder dependencies (nothing is called). */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = await buildApp({ instances: {} as InstanceDatabases, temporal: {} as Client, taskQueue: 'unused' });
  try {
    await app.ready();
    return app.swagger() as unknown as Record<string, unknown>;
  } finally {
    await app.close();
  }
}

/** The TypeScript declarations of the API's paths and schemas, as `npm run api:types` writes them. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(JSON.stringify(await openApiDocument()), { alphabetize: false });
  return HEADER + astToString(ast);
}

/** The checked-in file's content, or undefined when there is none. */
export function checkedInApiTypes(): string | undefined {
  try {
    return readFileSync(API_TYPES_PATH, 'utf8');
  } catch {
    return undefined;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  generateApiTypes().then(
    (types) => {
      writeFileSync(API_TYPES_PATH, types);
      console.log(`wrote ${API_TYPES_PATH} (${types.split('\n').length} lines)`);
    },
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
}
