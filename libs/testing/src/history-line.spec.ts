import { parseHistoryLine } from './history-line';

describe('parseHistoryLine', () => {
  const plain = { id: 'e-1', type: 'session.started', accountId: 'acme', userId: 'u1', timestamp: '2026-05-01T09:12:00.000Z', properties: { a: 1 } };

  it('reads a plain event, its arrival defaulting to its event time', () => {
    expect(parseHistoryLine(JSON.stringify(plain), 1)).toEqual({ arrivedAt: plain.timestamp, event: plain });
  });

  it('reads a wrapped event with its arrival time', () => {
    expect(parseHistoryLine(JSON.stringify({ arrivedAt: '2026-05-02T03:00:00.000Z', event: plain }), 2)).toEqual({ arrivedAt: '2026-05-02T03:00:00.000Z', event: plain });
  });

  it('gives an event without an id the line number, and empty properties', () => {
    expect(parseHistoryLine(JSON.stringify({ type: 'account.churned', accountId: 'acme', timestamp: plain.timestamp }), 7)?.event).toEqual({ id: 'line-7', type: 'account.churned', accountId: 'acme', timestamp: plain.timestamp, properties: {} });
  });

  it('skips blank lines and names the line of a bad one', () => {
    expect(parseHistoryLine('   ', 3)).toBeNull();
    expect(() => parseHistoryLine('{"type":', 4)).toThrow(/^line 4: not JSON/);
    expect(() => parseHistoryLine('[1]', 5)).toThrow('line 5: not a JSON object');
    expect(() => parseHistoryLine(JSON.stringify({ ...plain, accountId: '' }), 6)).toThrow('line 6: the event has no "accountId"');
    expect(() => parseHistoryLine(JSON.stringify({ ...plain, type: 3 }), 8)).toThrow('line 8: the event has no string "type"');
    expect(() => parseHistoryLine(JSON.stringify({ ...plain, timestamp: 'May 1st' }), 9)).toThrow('line 9: the event has no readable "timestamp"');
  });
});
