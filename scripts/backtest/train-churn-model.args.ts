/** The options of `npm run train-churn-model` (see train-churn-model.main.ts). */
export interface TrainChurnModelArgs {
  /** The NDJSON history (scripts/backtest/history-file.ts). */
  readonly history: string;
  /** Where the model JSON goes (default reports/churn-model/<version>.json). */
  readonly out: string;
  /** Days before each outcome the signals snapshot is taken (default 30). */
  readonly horizonDays: number;
  /** The hold-out cut (ISO-8601), or null: the median churn time of the history. */
  readonly cut: string | null;
  readonly l2: number;
  readonly version: string;
  /** A learned model is used in scoring only with this many examples per class (default 30). */
  readonly minPerClass: number;
}

export const trainChurnModelUsage =
  'usage: npm run train-churn-model -- --history <file.ndjson> [--out <model.json>] [--horizon-days 30] [--cut <ISO-8601>] [--l2 1] [--version <id>] [--min-per-class 30]';

/**
 * Parses the command line (after `--`). Throws an Error naming the option on a missing history,
 * an unknown option, an option without its value, or a value out of range.
 */
export function parseTrainChurnModelArgs(argv: readonly string[], now: Date): TrainChurnModelArgs {
  const values = new Map<string, string>();
  const known = new Set(['--history', '--out', '--horizon-days', '--cut', '--l2', '--version', '--min-per-class']);
  for (let index = 0; index < argv.length; index += 2) {
    const name = argv[index] as string;
    if (!known.has(name)) throw new Error(`unknown option ${name}\n${trainChurnModelUsage}`);
    const value = argv[index + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value\n${trainChurnModelUsage}`);
    values.set(name, value);
  }
  const history = values.get('--history');
  if (!history) throw new Error(`--history is required\n${trainChurnModelUsage}`);
  const number = (name: string, fallback: number, valid: (value: number) => boolean, rule: string): number => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!valid(value)) throw new Error(`${name} must be ${rule} (got ${text})`);
    return value;
  };
  const horizonDays = number('--horizon-days', 30, (value) => Number.isInteger(value) && value >= 1 && value <= 365, 'an integer from 1 to 365');
  const l2 = number('--l2', 1, (value) => Number.isFinite(value) && value >= 0, 'a number ≥ 0');
  const minPerClass = number('--min-per-class', 30, (value) => Number.isInteger(value) && value >= 1, 'an integer ≥ 1');
  const cutText = values.get('--cut');
  const cutMs = cutText === undefined ? null : Date.parse(cutText);
  if (cutMs !== null && !Number.isFinite(cutMs)) throw new Error(`--cut must be an ISO-8601 instant (got ${cutText})`);
  const version = values.get('--version') ?? `churn-${now.toISOString().slice(0, 19).replace(/[-:]/g, '')}`;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(version)) throw new Error(`--version must be 1–100 letters, digits, '.', '_' or '-' (got ${version})`);
  return { history, out: values.get('--out') ?? `reports/churn-model/${version}.json`, horizonDays, cut: cutMs === null ? null : new Date(cutMs).toISOString(), l2, version, minPerClass };
}
