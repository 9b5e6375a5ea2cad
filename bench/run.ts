/**
 * `npm run bench`: every benchmark of the project, one after another, printed as Markdown tables
 * of ratios measured in the same run (never part of `npm test`). Add a benchmark by exporting a
 * `run` step below.
 *
 *   npm run bench                                   # PGlite
 *   DATABASE_URL=postgres://… npm run bench         # PostgreSQL
 *   BENCH_SECONDS=5 npm run bench                   # shorter runs
 *   npm run bench -- verify                         # only the named benchmarks
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { benchIssuance, formatIssuanceBench } from './issuance.ts';
import { benchSite, formatSiteBench } from './site.ts';
import { benchSoak, formatSoakBench } from './soak.ts';
import { benchVerify, formatVerifyBench } from './verify.ts';
import { benchScale, formatScaleBench } from './scale.ts';

interface Step {
  name: string;
  /** Runs only when named (`npm run bench -- soak`), not in a plain `npm run bench`. */
  optIn?: boolean;
  run(): Promise<string>;
}

const steps: Step[] = [
  { name: 'verify', run: async () => formatVerifyBench(await benchVerify()) },
  {
    // Label rendering (issue 5), when its benchmark is present.
    name: 'labels',
    run: async () => {
      const file = fileURLToPath(new URL('./labels.ts', import.meta.url));
      if (!existsSync(file)) return '### Labels\n\n(bench/labels.ts not present)\n';
      const mod = (await import(new URL('./labels.ts', import.meta.url).href)) as {
        benchLabels: () => Promise<unknown>;
        formatLabelsBench: (rows: unknown) => string;
      };
      return mod.formatLabelsBench(await mod.benchLabels());
    },
  },
  { name: 'issuance', run: async () => formatIssuanceBench(await benchIssuance()) },
  { name: 'site', run: async () => formatSiteBench(await benchSite()) },
  // Query cost at 1×, 10× and 100× the demo data (issue 9 point 5, docs/scale.md).
  { name: 'scale', run: async () => formatScaleBench(await benchScale()) },
  // Five minutes of sustained load (reliability.md L04): only when asked for by name.
  { name: 'soak', optIn: true, run: async () => formatSoakBench(await benchSoak()) },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const cpu = cpus();
  process.stdout.write(
    `## OCOP Trace benchmarks\n\n${new Date().toISOString()} · node ${process.version} · ${cpu.length} × ${cpu[0]?.model ?? '?'}\n\n`,
  );
  for (const step of steps) {
    if (only.length > 0 ? !only.includes(step.name) : step.optIn) continue;
    process.stdout.write(`${await step.run()}\n`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
