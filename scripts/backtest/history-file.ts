import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseHistoryLine, type ArrivingEvent, type CustomerBase } from '@bellwether/testing';

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
 * left out: the line's number gives one (`line-<n>`). The rules are `parseHistoryLine`'s (libs/testing).
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

/** Reads a history file into arrival order (`parseHistoryLine` per line). Throws `<path>: line <n>: <reason>` on a bad line. */
export async function readHistoryFile(path: string): Promise<ArrivingEvent[]> {
  const events: ArrivingEvent[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    try {
      const arriving = parseHistoryLine(line, lineNumber);
      if (arriving) events.push(arriving);
    } catch (error) {
      throw new Error(`${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return events;
}
