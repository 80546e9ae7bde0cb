/**
 * Sums over the state's day counters (`activityByDay`, `ticketsByDay`…: day number as key →
 * count). An evaluation reads several windows of one counter (the last 7 days, the last 30, the
 * baseline before them…): they are summed in one pass over its keys rather than one pass each,
 * the hot spot of scoring's CPU profile under load (issue 17).
 */

/** Days `from` through `to` (day numbers, both included). Empty when `from > to`. */
export interface DayWindow {
  readonly from: number;
  readonly to: number;
}

/**
 * The counts of `counters` whose day lies in each of `windows`, in one pass over the counter:
 * `result[i]` is the sum over `windows[i]`. A key that is not a number counts in no window. Each
 * window's counts are added in the counter's key order, as a pass per window adds them, so every
 * sum is the same to the bit as `sumDays` of that window. Pure; allocates only the result.
 */
export function sumDayWindows(counters: Readonly<Record<string, number>>, windows: readonly DayWindow[]): number[] {
  const sums = windows.map(() => 0);
  for (const key of Object.keys(counters)) {
    const day = Number(key);
    const count = counters[key] as number;
    for (let index = 0; index < windows.length; index += 1) {
      const window = windows[index] as DayWindow;
      if (day >= window.from && day <= window.to) sums[index] = (sums[index] as number) + count;
    }
  }
  return sums;
}

/** The counts of `counters` on days `fromDay` through `toDay` (both included). Pure. */
export function sumDays(counters: Readonly<Record<string, number>>, fromDay: number, toDay: number): number {
  let total = 0;
  for (const key of Object.keys(counters)) {
    const day = Number(key);
    if (day >= fromDay && day <= toDay) total += counters[key] as number;
  }
  return total;
}
