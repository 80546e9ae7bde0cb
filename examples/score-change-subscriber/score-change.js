'use strict';

// Pure helpers: what a score change means, and how to print it. No Kafka here, so they are easy
// to test (score-change.test.js) and to reuse in your own integration.

/** Versions of the bellwether.scores.v1 value this code understands. */
const SUPPORTED_SCHEMA_VERSIONS = new Set([1]);

/**
 * Parses a record value. Returns `{ change }` for a score change this code understands, or
 * `{ skip: reason }` for anything else: a newer schemaVersion (upgrade this code; do not crash),
 * or bytes that are not a score change at all.
 */
function parseScoreChange(buffer) {
  if (!buffer) return { skip: 'empty value' };
  let value;
  try {
    value = JSON.parse(buffer.toString('utf8'));
  } catch {
    return { skip: 'not JSON' };
  }
  if (!value || typeof value !== 'object') return { skip: 'not an object' };
  if (!SUPPORTED_SCHEMA_VERSIONS.has(value.schemaVersion)) return { skip: `schemaVersion ${value.schemaVersion} is not supported by this subscriber` };
  if (typeof value.accountId !== 'string' || typeof value.sequence !== 'number' || !value.after) return { skip: 'missing accountId, sequence or after' };
  // Fields this code does not know are ignored: additive changes keep schemaVersion 1.
  return { change: value };
}

/**
 * Delivery is at least once. `sequence` grows by one per change of an account, so a change whose
 * sequence is not above the last one seen for its account is a redelivery (or already known).
 * Keep this map in your own store (next to your copy of the scores) to survive restarts.
 */
class SequenceTracker {
  constructor() {
    this.last = new Map();
  }

  /** True the first time a (account, sequence) is seen in order; false for repeats. */
  accept(change) {
    const previous = this.last.get(change.accountId) ?? 0;
    if (change.sequence <= previous) return false;
    this.last.set(change.accountId, change.sequence);
    return true;
  }
}

const health = (snapshot) => (snapshot ? snapshot.health.toFixed(1) : '—');
const percent = (snapshot) => (snapshot ? `${Math.round(snapshot.churnRisk * 100)}%` : '—');
const transition = (label, before, after) => (before === after ? `${label} ${after}` : `${label} ${before ?? '—'} → ${after}`);

/** One line per change, e.g. `acme #7 health 64.2 → 38.5  band yellow → red  churn risk 21% → 64%  ...`. */
function formatScoreChange(change) {
  const { before, after } = change;
  const cause = change.cause?.eventType ? ` (${change.cause.eventType})` : change.cause?.kind === 'watermark' ? ' (time passed)' : '';
  const reasons = Array.isArray(change.reasons) && change.reasons.length > 0 ? `  why: ${change.reasons.slice(0, 3).join('; ')}` : '';
  return [
    `${change.eventTime} ${change.accountId} #${change.sequence}`,
    `health ${health(before)} → ${health(after)}`,
    transition('band', before?.band, after.band),
    `churn risk ${percent(before)} → ${percent(after)}`,
    transition('segment', before?.segment, after.segment),
    transition('stage', before?.stage, after.stage),
  ].join('  ') + cause + reasons;
}

module.exports = { SUPPORTED_SCHEMA_VERSIONS, parseScoreChange, SequenceTracker, formatScoreChange };
