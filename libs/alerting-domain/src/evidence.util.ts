import type { ScoreChanged } from '@bellwether/contracts';
import { isoDate } from './time.util';

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
