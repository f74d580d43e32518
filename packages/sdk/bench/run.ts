// `pnpm bench`: read + split of the shared benchmark bundles. Each measurement runs in a
// fresh child process so that its peak RSS is the whole cost of one import. Prints medians
// and whether the goals hold; the numbers are informative (no test asserts timings).
//
//   node bench/run.ts                            every case, 7 runs each
//   node bench/run.ts --runs 9 attack-like-20k   one case, 9 runs
//
// The children run plain JavaScript, as a connector image does: the parent strips the
// types of child.ts and the sources it imports into a temporary folder first. Running the
// .ts files directly would load Node's TypeScript stripper (~30 MiB RSS) into the very
// process being measured. They also run with the images' NODE_OPTIONS (read from the one
// Dockerfile template); a few more runs with Node's defaults show what those options change.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Measurement } from './child.ts';

interface Case {
  name: string;
  file: string;
  goals: { splitMs?: number; totalMs?: number; peakMiB?: number };
  reference?: string;
}

const CASES: Case[] = [
  {
    name: 'attack-like-20k',
    file: 'data/bench/attack-like-20k.json.gz',
    goals: { splitMs: 200, peakMiB: 150 },
    reference: 'pycti 6.8.10 on the same input: split 2.1 s median (1.8–2.5 s), 143 MiB',
  },
  { name: 'enterprise-attack', file: 'data/bench/enterprise-attack-reassembled.json.gz', goals: { totalMs: 1000 } },
];

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Same rule as @opencti-ts/testing's sharedDir(); that package is not loaded here.
const sharedDir = process.env.OPENCTI_TS_SHARED_DIR ?? path.resolve(packageDir, '../../../shared');

const RELATIVE_TS_IMPORT = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

/** Writes `entry` and every relative .ts module it reaches as JavaScript under `outDir`. */
function transpile(entry: string, outDir: string): string {
  const pending = [entry];
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const javascript = stripTypeScriptTypes(readFileSync(file, 'utf8')).replace(
      RELATIVE_TS_IMPORT,
      (_match, head: string, quote: string, specifier: string) => {
        pending.push(path.resolve(path.dirname(file), `${specifier}.ts`));
        return `${head}${quote}${specifier}.js${quote}`;
      },
    );
    const target = path.join(outDir, path.relative(packageDir, file).replace(/\.ts$/, '.js'));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, javascript);
  }
  writeFileSync(path.join(outDir, 'package.json'), '{"type": "module"}\n');
  return path.join(outDir, path.relative(packageDir, entry).replace(/\.ts$/, '.js'));
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

const DOCKERFILE_TEMPLATE = path.resolve(packageDir, '../create-connector/templates/Dockerfile.tmpl');

/** The NODE_OPTIONS every connector image sets. */
function imageNodeOptions(): string {
  const options = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(DOCKERFILE_TEMPLATE, 'utf8'))?.[1];
  if (options === undefined) throw new Error(`no NODE_OPTIONS="…" in ${DOCKERFILE_TEMPLATE}`);
  return options;
}

function runChild(child: string, file: string, nodeOptions: string): Measurement {
  const env = { ...process.env, NODE_OPTIONS: nodeOptions };
  const run = spawnSync(process.execPath, [child, file], { encoding: 'utf8', env });
  if (run.status !== 0) {
    process.stderr.write(run.stderr);
    process.exit(1);
  }
  return JSON.parse(run.stdout) as Measurement;
}

const fmt = (value: number, digits = 0): string => value.toFixed(digits);

function verdict(name: string, what: string, value: number, limit: number, unit: string): string {
  return `${name}: ${what} ${fmt(value, 1)} ${unit} (goal ≤ ${limit} ${unit}): ${value <= limit ? 'met' : 'NOT MET'}`;
}

function main(): void {
  // stripTypeScriptTypes is flagged experimental in Node 24; say nothing about it here.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name !== 'ExperimentalWarning') console.warn(warning);
  });
  const args = process.argv.slice(2);
  const runsAt = args.indexOf('--runs');
  const runs = runsAt === -1 ? 7 : Number(args[runsAt + 1]);
  const names = args.filter((arg, index) => !arg.startsWith('--') && index !== runsAt + 1);
  const selected = CASES.filter((benchCase) => names.length === 0 || names.includes(benchCase.name));
  const outDir = mkdtempSync(path.join(tmpdir(), 'opencti-ts-bench-'));
  try {
    const child = transpile(path.join(packageDir, 'bench/child.ts'), outDir);
    const nodeOptions = imageNodeOptions();
    console.log(
      `read + split, ${runs} fresh processes per case (node ${process.version}, NODE_OPTIONS="${nodeOptions}" as in the images); times in ms, medians\n`,
    );
    const header = [
      'case',
      'objects',
      'bundles',
      'read',
      'split',
      'serialize',
      'total',
      'total range',
      'peak MiB read+split',
      'peak MiB +serialize',
      'peak MiB node defaults',
    ];
    const rows: string[][] = [header];
    const verdicts: string[] = [];
    for (const benchCase of selected) {
      const file = path.join(sharedDir, benchCase.file);
      if (!existsSync(file)) {
        verdicts.push(`${benchCase.name}: skipped, ${file} not found (set OPENCTI_TS_SHARED_DIR)`);
        continue;
      }
      const measurements = Array.from({ length: runs }, () => runChild(child, file, nodeOptions));
      const defaults = Array.from({ length: 3 }, () => runChild(child, file, ''));
      const pick = (key: keyof Measurement) => median(measurements.map((measurement) => measurement[key]));
      const totals = measurements.map((measurement) => measurement.totalMs);
      rows.push([
        benchCase.name,
        String(pick('objects')),
        String(pick('bundles')),
        fmt(pick('readMs')),
        fmt(pick('splitMs')),
        fmt(pick('serializeMs')),
        fmt(pick('totalMs')),
        `${fmt(Math.min(...totals))}–${fmt(Math.max(...totals))}`,
        fmt(pick('peakMiB'), 1),
        fmt(pick('peakSerializedMiB'), 1),
        fmt(median(defaults.map((measurement) => measurement.peakMiB)), 1),
      ]);
      const { splitMs, totalMs, peakMiB } = benchCase.goals;
      if (splitMs !== undefined) verdicts.push(verdict(benchCase.name, 'split', pick('splitMs'), splitMs, 'ms'));
      if (totalMs !== undefined) verdicts.push(verdict(benchCase.name, 'read + split + serialize', pick('totalMs'), totalMs, 'ms'));
      if (peakMiB !== undefined) {
        const withDefaults = median(defaults.map((measurement) => measurement.peakMiB));
        verdicts.push(
          `${verdict(benchCase.name, 'whole-process peak RSS after read + split', pick('peakMiB'), peakMiB, 'MiB')} (with Node's default options: ${fmt(withDefaults, 1)} MiB, ${withDefaults <= peakMiB ? 'met' : 'NOT MET'})`,
        );
      }
      if (benchCase.reference) verdicts.push(`${benchCase.name}: reference ${benchCase.reference}`);
    }
    const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows) console.log(row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '));
    console.log(`\n${verdicts.join('\n')}`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

main();
