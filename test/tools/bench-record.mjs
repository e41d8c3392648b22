// Benchmarks append their headline figures here (a JSON line each, to $QSC_BENCH_TABLE) for the table npm run bench
// prints at the end (test/tools/bench-table.mjs). Outside npm run bench there is no table, and nothing is written.
import { appendFileSync } from 'node:fs';

/** One row: an id (P3...), what was measured, the figure, the goal, and whether it was met. */
export function recordBench(row) {
  if (process.env.QSC_BENCH_TABLE) appendFileSync(process.env.QSC_BENCH_TABLE, `${JSON.stringify(row)}\n`);
}
