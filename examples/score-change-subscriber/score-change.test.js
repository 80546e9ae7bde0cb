'use strict';

const assert = require('node:assert/strict');
const { test } = require('node:test');
const { parseScoreChange, SequenceTracker, formatScoreChange } = require('./score-change');

const change = {
  schemaVersion: 1,
  accountId: 'acme',
  changeId: 'acme:7',
  sequence: 7,
  eventTime: '2026-03-01T10:00:00.000Z',
  cause: { kind: 'event', eventId: 'evt_1', eventType: 'billing.payment_failed' },
  before: { health: 64.2, band: 'yellow', churnRisk: 0.21, segment: 'stable', stage: 'adoption' },
  after: { health: 38.5, band: 'red', churnRisk: 0.64, segment: 'at_risk', stage: 'adoption' },
  drivers: [],
  reasons: ['payment failed', 'usage down 60% from baseline'],
  scorecardVersion: 'default-2026.1',
  account: { csmId: 'csm-ana' },
  someFutureField: 'ignored',
};

test('prints a change on one line', () => {
  assert.equal(
    formatScoreChange(change),
    '2026-03-01T10:00:00.000Z acme #7  health 64.2 → 38.5  band yellow → red  churn risk 21% → 64%  segment stable → at_risk  stage adoption (billing.payment_failed)  why: payment failed; usage down 60% from baseline',
  );
});

test('prints the first score of an account (no before)', () => {
  assert.match(formatScoreChange({ ...change, sequence: 1, before: null }), /health — → 38\.5 {2}band — → red/);
});

test('parses version 1, ignores unknown fields, skips other versions and garbage', () => {
  assert.deepEqual(parseScoreChange(Buffer.from(JSON.stringify(change))), { change });
  assert.match(parseScoreChange(Buffer.from(JSON.stringify({ ...change, schemaVersion: 2 }))).skip, /schemaVersion 2/);
  assert.equal(parseScoreChange(Buffer.from('{oops')).skip, 'not JSON');
  assert.equal(parseScoreChange(null).skip, 'empty value');
});

test('drops redeliveries by sequence, per account', () => {
  const tracker = new SequenceTracker();
  assert.equal(tracker.accept(change), true);
  assert.equal(tracker.accept(change), false);
  assert.equal(tracker.accept({ ...change, sequence: 8 }), true);
  assert.equal(tracker.accept({ ...change, accountId: 'globex', sequence: 1 }), true);
});
