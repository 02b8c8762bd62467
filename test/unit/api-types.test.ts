import { describe, expect, it } from 'vitest';
import { API_TYPES_PATH, checkedInApiTypes, generateApiTypes } from '../../app/api-types';

// The web app's API types are generated from the API's OpenAPI document and checked in
// (web/src/lib/api-types.d.ts). A route or schema changed without regenerating them fails here.
describe('the web app API types', () => {
  it('match the OpenAPI document the routes declare now', async () => {
    const generated = await generateApiTypes();
    const checkedIn = checkedInApiTypes();
    if (checkedIn !== generated) {
      expect.fail(`${API_TYPES_PATH} is ${checkedIn === undefined ? 'missing' : 'out of date with the API'}: run npm run api:types (and commit it)`);
    }
  });
});
