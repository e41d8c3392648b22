// The table at the end of npm run bench: every figure the benchmarks recorded in this run (test/tools/bench-record.mjs).
import { existsSync, readFileSync, rmSync } from 'node:fs';

const file = process.argv[2];
const rows =
  file && existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
if (file) rmSync(file, { force: true });
const table = [
  ['id', 'what', 'measured', 'goal', 'met'],
  ...rows.map((r) => [r.id, r.what, r.measured, r.goal ?? '-', r.met === undefined ? '-' : r.met ? 'yes' : 'NO']),
];
const widths = table[0].map((_, c) => Math.max(...table.map((row) => String(row[c]).length)));
console.log('\nbench summary (this run)');
for (const [i, row] of table.entries()) {
  console.log(
    row
      .map((cell, c) => String(cell).padEnd(widths[c]))
      .join('  ')
      .trimEnd(),
  );
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
if (rows.length === 0) console.log('(no benchmark recorded a figure)');
