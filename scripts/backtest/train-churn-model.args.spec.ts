import { parseTrainChurnModelArgs } from './train-churn-model.args';

const now = new Date('2026-06-01T12:34:56.000Z');

describe('npm run train-churn-model options', () => {
  it('takes the history and defaults the rest: 30-day horizon, λ 1, a dated version, its output path', () => {
    expect(parseTrainChurnModelArgs(['--history', 'h.ndjson'], now)).toEqual({
      history: 'h.ndjson',
      out: 'reports/churn-model/churn-20260601T123456.json',
      horizonDays: 30,
      cut: null,
      l2: 1,
      version: 'churn-20260601T123456',
      minPerClass: 30,
    });
    expect(parseTrainChurnModelArgs(['--history', 'h.ndjson', '--cut', '2026-05-01', '--horizon-days', '14', '--l2', '0.5', '--version', 'v2', '--out', 'm.json'], now)).toMatchObject({
      cut: '2026-05-01T00:00:00.000Z',
      horizonDays: 14,
      l2: 0.5,
      version: 'v2',
      out: 'm.json',
    });
  });

  it.each([
    [[], '--history is required'],
    [['--history'], '--history needs a value'],
    [['--history', 'h', '--cutoff', 'x'], 'unknown option --cutoff'],
    [['--history', 'h', '--horizon-days', '0'], '--horizon-days must be an integer from 1 to 365 (got 0)'],
    [['--history', 'h', '--horizon-days', '2.5'], '--horizon-days must be an integer from 1 to 365 (got 2.5)'],
    [['--history', 'h', '--l2', '-1'], '--l2 must be a number ≥ 0 (got -1)'],
    [['--history', 'h', '--cut', 'soon'], '--cut must be an ISO-8601 instant (got soon)'],
    [['--history', 'h', '--version', '../x'], '--version must be 1–100 letters'],
    [['--history', 'h', '--min-per-class', '0'], '--min-per-class must be an integer ≥ 1 (got 0)'],
  ])('refuses %j naming the option', (argv, message) => {
    expect(() => parseTrainChurnModelArgs(argv, now)).toThrow(message);
  });
});
