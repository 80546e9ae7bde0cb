import { createRequestValidator } from '@bellwether/platform';
import { createApiKeyRequestSchema } from './create-api-key.dto';

describe('createApiKeyRequestSchema', () => {
  const validate = createRequestValidator('body', createApiKeyRequestSchema);
  const pathsOf = (body: unknown) => {
    const result = validate(body);
    return result.ok ? [] : [...new Set(result.problems.map((problem) => problem.path))];
  };

  it('accepts the keys operators create', () => {
    expect(pathsOf({ name: 'segment prod', scopes: ['ingest'] })).toEqual([]);
    expect(pathsOf({ name: 'ana', scopes: ['csm'], csmId: 'csm-ana', team: 'emea' })).toEqual([]);
  });

  it('names each bad field', () => {
    expect(pathsOf({ name: 'a\u0000b', scopes: ['ingest'] })).toEqual(['name']);
    expect(pathsOf({ name: '', scopes: [] })).toEqual(['name', 'scopes']);
    expect(pathsOf({ name: 'x', scopes: ['root'] })).toEqual(['scopes.0']);
    expect(pathsOf({ name: 'x', scopes: ['ingest', 'ingest'] })).toEqual(['scopes']);
    expect(pathsOf({ name: 'x', scopes: ['csm'] })).toEqual(['csmId']);
    expect(pathsOf({ name: 'x', scopes: ['csm'], csmId: 'ana smith' })).toEqual(['csmId']);
    expect(pathsOf({ name: 'x', scopes: ['ingest'], owner: 'me' })).toEqual(['owner']);
  });
});
