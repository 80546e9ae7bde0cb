import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { JsonObject } from '@bellwether/contracts';
import type { ArrivingEvent, CustomerBase, SimulatedEvent } from '@bellwether/testing';

/**
 * The backtest's input: an event history as NDJSON (docs/signal-quality.md, "The history file").
 *
 * One event per line, in ARRIVAL order (the order Bellwether should receive them; a bulk-delivered
 * event comes after events with later timestamps), each the native `POST /v1/events` shape:
 *
 *     {"id":"e-1","type":"session.started","accountId":"acme","userId":"u1","timestamp":"2026-05-01T09:12:00.000Z","properties":{}}
 *
 * A line may instead wrap the event as `{"arrivedAt":"<ISO-8601>","event":{…}}` (arrivedAt is
 * informational: the order of the lines is what counts). Blank lines are skipped. `id` may be
 * left out: the line's number gives one (`line-<n>`), so a re-run deduplicates the same way.
 * Outcomes are read from the history: `account.churned`, `account.renewed`, `account.expanded`;
 * owners from `account.updated` traits.csmId.
 *
 * Next to a synthetic history, `<file>.labels.json` holds the generator's labels
 * ({ "seed", "accounts": { "<accountId>": "<archetype>" } }); a customer's export has none.
 */

/** Writes the synthetic history (plain events, arrival order) and its labels file; returns the labels path. */
export function writeHistoryFile(path: string, base: CustomerBase): string {
  mkdirSync(dirname(path), { recursive: true });
  const lines: string[] = [];
  for (const { event } of base.events) lines.push(JSON.stringify(event));
  writeFileSync(path, `${lines.join('\n')}\n`);
  const labelsPath = labelsPathOf(path);
  writeFileSync(labelsPath, `${JSON.stringify({ seed: base.seed, accounts: Object.fromEntries(base.accounts.map((account) => [account.accountId, account.archetype])) }, null, 1)}\n`);
  return labelsPath;
}

export function labelsPathOf(historyPath: string): string {
  return `${historyPath}.labels.json`;
}

/**
 * Reads a history file into arrival order. Throws `<path>:<line>: <reason>` on a line that is not
 * a JSON object, or whose event lacks a string type, accountId or a readable timestamp.
 */
export async function readHistoryFile(path: string): Promise<ArrivingEvent[]> {
  const events: ArrivingEvent[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (line.trim() === '') continue;
    const fail = (reason: string): never => {
      throw new Error(`${path}:${lineNumber}: ${reason}`);
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (error) {
      fail(`not JSON (${error instanceof Error ? error.message : String(error)})`);
    }
    if (!isObject(parsed)) return fail('not a JSON object');
    const wrapped = isObject(parsed['event']);
    const raw = (wrapped ? parsed['event'] : parsed) as JsonObject;
    if (typeof raw['type'] !== 'string') fail('the event has no string "type"');
    if (typeof raw['accountId'] !== 'string' || raw['accountId'] === '') fail('the event has no "accountId"');
    if (typeof raw['timestamp'] !== 'string' || Number.isNaN(Date.parse(raw['timestamp']))) fail('the event has no readable "timestamp"');
    const event = { ...raw, id: typeof raw['id'] === 'string' ? raw['id'] : `line-${lineNumber}`, properties: isObject(raw['properties']) ? raw['properties'] : {} } as unknown as SimulatedEvent;
    const arrivedAt = wrapped && typeof parsed['arrivedAt'] === 'string' ? parsed['arrivedAt'] : event.timestamp;
    events.push({ arrivedAt, event });
  }
  return events;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
