import type { ScoreChanged } from '@bellwether/contracts';
import { isoDate } from '../time.util';

/** Health to at most one decimal, so 39.6 never reads as 40. */
export function formatHealth(health: number): string {
  return String(Math.round(health * 10) / 10);
}

export function formatPercent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

/** "health 72 → 35 (red) on 2026-03-02", or "health 35 (red) on 2026-03-02" for a first score. */
export function healthLine(change: ScoreChanged): string {
  const { before, after } = change;
  const movement = before ? `${formatHealth(before.health)} → ${formatHealth(after.health)}` : formatHealth(after.health);
  return `health ${movement} (${after.band}) on ${isoDate(change.eventTime)}`;
}

/** The evidence lines of a rule followed by the change's own reasons. */
export function withReasons(lines: readonly string[], change: ScoreChanged): string[] {
  return [...lines, ...change.reasons];
}

/** A rule param, falling back to the evaluator's default when the config lacks it. */
export function param(params: Readonly<Record<string, number>>, name: string, fallback: number): number {
  const value = params[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** A count or amount for people: thousands separated, at most one decimal. */
export function formatNumber(value: number): string {
  return oneDecimal.format(value);
}

/** `toLocaleString('en-US', { maximumFractionDigits: 1 })`, its formatter built once (a replay formats evidence for every change). */
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** A relative change for people: ratio 1.2 → "+20%", 0.7 → "−30%". */
export function formatChange(ratio: number): string {
  const percent = Math.round((ratio - 1) * 100);
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent)}%`;
}

/** `value ≥ threshold`, tolerant of floating-point noise (0.3 × 10 is not quite 3). */
export function atLeast(value: number, threshold: number): boolean {
  return value >= threshold - 1e-9;
}
