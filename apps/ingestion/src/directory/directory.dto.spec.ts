import { createRequestValidator } from '@bellwether/platform';
import { patchAccountOwnershipSchema, putCsmSchema } from './directory.dto';

/** The distinct paths a body schema names for `body`, in order ([] when it passes). */
function problemPathsOf(schema: object): (body: unknown) => string[] {
  const validate = createRequestValidator('body', schema);
  return (body) => {
    const result = validate(body);
    return result.ok ? [] : [...new Set(result.problems.map((problem) => problem.path))];
  };
}

describe('patchAccountOwnershipSchema (PATCH /v1/admin/accounts/{id})', () => {
  const pathsOf = problemPathsOf(patchAccountOwnershipSchema);

  it('accepts ownership, CAC in USD and gross margin as a fraction, and null to clear', () => {
    expect(pathsOf({ csmId: 'csm-ana', team: 'emea', tier: 'enterprise' })).toEqual([]);
    expect(pathsOf({ cacUsd: 12000, grossMarginPct: 0.75 })).toEqual([]);
    expect(pathsOf({ cacUsd: 0, grossMarginPct: 0 })).toEqual([]);
    expect(pathsOf({ cacUsd: 1234.56, grossMarginPct: 1 })).toEqual([]);
    expect(pathsOf({ cacUsd: null, grossMarginPct: null, tier: null })).toEqual([]);
  });

  it('names each bad economics value: a negative CAC, a margin in percent, text, a boolean, an object', () => {
    expect(pathsOf({ cacUsd: -1 })).toEqual(['cacUsd']);
    expect(pathsOf({ grossMarginPct: 80 })).toEqual(['grossMarginPct']);
    expect(pathsOf({ grossMarginPct: -0.01 })).toEqual(['grossMarginPct']);
    expect(pathsOf({ cacUsd: '12000', grossMarginPct: '0.8' })).toEqual(['cacUsd', 'grossMarginPct']);
    expect(pathsOf({ cacUsd: true })).toEqual(['cacUsd']);
    expect(pathsOf({ cacUsd: { usd: 5 } })).toEqual(['cacUsd']);
  });

  it('names an unknown field, next to a good one', () => {
    expect(pathsOf({ cacUsd: 100, cac: 100 })).toEqual(['cac']);
    expect(pathsOf({ grossMargin: 0.8 })).toEqual(['grossMargin']);
  });
});

describe('putCsmSchema (PUT /v1/admin/directory/csms/{csmId})', () => {
  const pathsOf = problemPathsOf(putCsmSchema);

  it('accepts an addr-spec email, null or no email (none)', () => {
    expect(pathsOf({ team: 'emea', email: 'ana@acme.example' })).toEqual([]);
    expect(pathsOf({ team: null, email: 'ana.lopez+cs@mail.acme-corp.example' })).toEqual([]);
    expect(pathsOf({ team: 'emea', email: null })).toEqual([]);
    expect(pathsOf({ team: 'emea' })).toEqual([]);
  });

  it('names email for an address that is not an addr-spec, next to a good team', () => {
    for (const email of ['ana', 'Ana <ana@acme.example>', 'ana@acme.example\r\nBcc: x@acme.example', 'ana @acme.example', 'ana@localhost', '', 7, ['ana@acme.example']]) {
      expect(pathsOf({ team: 'emea', email })).toEqual(['email']);
    }
  });
});
