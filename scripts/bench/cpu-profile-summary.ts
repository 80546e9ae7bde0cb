/* eslint-disable no-console -- also a small command-line tool: prints the summary as JSON */
import { readFileSync } from 'node:fs';

/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`) without external tools: self time per
 * function and per package, the way a flame graph's bottom-up view would.
 *   node dist/scripts/bench/cpu-profile-summary.js <file.cpuprofile> [top]
 */

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FunctionCost {
  readonly function: string;
  readonly location: string;
  readonly package: string;
  readonly selfMs: number;
  /** Share of the profile's busy (non-idle) time, percent. */
  readonly selfPercent: number;
}

export interface CpuProfileSummary {
  readonly file: string;
  readonly durationMs: number;
  readonly busyMs: number;
  readonly idleMs: number;
  readonly samples: number;
  readonly topFunctions: FunctionCost[];
  readonly byPackage: { package: string; selfMs: number; selfPercent: number }[];
}

const IDLE = '(idle)';

export function summarizeCpuProfile(file: string, top = 15): CpuProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  // A sample's weight is the time until the next sample (the last one gets the mean interval).
  const selfUs = new Map<number, number>();
  const totalUs = profile.endTime - profile.startTime;
  const meanInterval = profile.samples.length > 0 ? totalUs / profile.samples.length : 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const id = profile.samples[index] ?? 0;
    const weight = index + 1 < profile.timeDeltas.length ? (profile.timeDeltas[index + 1] ?? 0) : meanInterval;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, weight));
  }

  const byFunction = new Map<string, { function: string; location: string; package: string; us: number }>();
  const byPackage = new Map<string, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = nodes.get(id)?.callFrame;
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    if (name === IDLE) {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const location = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const pkg = packageOf(frame.url, name);
    const key = `${name}|${location}`;
    const entry = byFunction.get(key) ?? { function: name, location, package: pkg, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const percent = (us: number): number => (busyUs > 0 ? Math.round((1000 * us) / busyUs) / 10 : 0);
  return {
    file,
    durationMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    samples: profile.samples.length,
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((entry) => ({ function: entry.function, location: entry.location, package: entry.package, selfMs: Math.round(entry.us / 1000), selfPercent: percent(entry.us) })),
    byPackage: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([pkg, us]) => ({ package: pkg, selfMs: Math.round(us / 1000), selfPercent: percent(us) })),
  };
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  const dist = path.indexOf('/dist/');
  if (dist >= 0) return path.slice(dist + 1);
  return path;
}

/** Where the time goes: an npm package, our own code (dist/apps, dist/libs), Node internals, V8. */
function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? `v8 ${functionName}` : 'v8/native';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? 'node_modules');
  }
  const own = /\/dist\/((apps|libs)\/[^/]+)\//.exec(path);
  if (own) return own[1] ?? 'ours';
  return 'other';
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist/scripts/bench/cpu-profile-summary.js <file.cpuprofile> [top]');
    process.exit(64);
  }
  console.log(JSON.stringify(summarizeCpuProfile(file, Number(top ?? 15)), null, 2));
}
