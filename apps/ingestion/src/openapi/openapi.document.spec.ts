import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildIngestionOpenApi } from './openapi.document';

describe('docs/openapi.json', () => {
  it('is the document the service serves (run `npm run openapi` after changing the API)', () => {
    const checkedIn: unknown = JSON.parse(readFileSync(resolve(__dirname, '../../../../docs/openapi.json'), 'utf8'));
    expect(checkedIn).toEqual(JSON.parse(JSON.stringify(buildIngestionOpenApi())));
  });

  it('documents every ingestion route', () => {
    expect(Object.keys(buildIngestionOpenApi()['paths'] as object)).toEqual(
      expect.arrayContaining(['/v1/events', '/v1/batch', '/v1/track', '/v1/identify', '/v1/group', '/v1/page', '/v1/admin/api-keys', '/v1/admin/directory', '/v1/admin/directory/teams/{team}', '/v1/admin/directory/csms/{csmId}', '/v1/admin/accounts/{id}']),
    );
  });
});
