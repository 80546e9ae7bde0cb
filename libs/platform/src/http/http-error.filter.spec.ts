import { errorListLimits, renderErrors } from './http-error.filter';

describe('renderErrors', () => {
  it('passes a short list through unchanged, without a truncated marker', () => {
    expect(renderErrors([{ index: 3, path: 'timestamp', message: 'is required' }])).toEqual({ errors: [{ index: 3, path: 'timestamp', message: 'is required' }] });
  });

  it('keeps the first problems in order and counts the rest', () => {
    const problems = Array.from({ length: 20_000 }, (_, index) => ({ index, path: 'id', message: 'is required' }));
    const answer = renderErrors(problems);
    expect(answer.errors).toHaveLength(errorListLimits.maxProblems);
    expect(answer.errors[99]).toEqual({ index: 99, path: 'id', message: 'is required' });
    expect(answer.truncated).toBe(20_000 - errorListLimits.maxProblems);
    expect(JSON.stringify(answer).length).toBeLessThan(10_000);
  });

  it('cuts long paths and messages, never inside a surrogate pair', () => {
    const [problem] = renderErrors([{ path: 'p'.repeat(10_000), message: `${'m'.repeat(errorListLimits.maxTextLength - 2)}😀${'m'.repeat(1000)}` }]).errors;
    expect(problem?.path).toHaveLength(errorListLimits.maxTextLength);
    expect(problem?.path.endsWith('…')).toBe(true);
    expect(problem?.message.length).toBeLessThanOrEqual(errorListLimits.maxTextLength);
    expect(problem?.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});
