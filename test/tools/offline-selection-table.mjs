#!/usr/bin/env node
// Prints which tag the offline seed selects per driver and framework (native and minor-compat), from the built code.
// Usage: npm run build && node test/tools/offline-selection-table.mjs [DRIVER ...]
import { findFramework } from '../../dist/ngc/frameworks.js';
import { NO_CONSTRAINTS } from '../../dist/ngc/constraints.js';
import { seedCandidates } from '../../dist/ngc/seed.js';
import { selectTag } from '../../dist/ngc/select.js';

const drivers =
  process.argv.length > 2
    ? process.argv.slice(2)
    : ['450.80.02', '470.57.02', '525.60.13', '535.104.05', '545.23.08', '550.54.15', '570.86.10', '580.65.06'];
const pick = (framework, driver, policy) => {
  const fw = findFramework(framework);
  const s = selectTag(seedCandidates(fw, NO_CONSTRAINTS), driver, framework, { policy, gpuNames: [] });
  return s.kind === 'selected'
    ? `${s.candidate.tag} (CUDA ${s.candidate.cudaVersion}, min ${s.candidate.requirement.minDriver})`
    : 'none';
};
const rows = drivers.map((d) => [
  d,
  pick('tensorflow', d, 'native'),
  pick('pytorch', d, 'native'),
  pick('tensorflow', d, 'minor-compat'),
  pick('pytorch', d, 'minor-compat'),
]);
const header = [
  'driver',
  'tensorflow (native)',
  'pytorch (native)',
  'tensorflow (minor-compat)',
  'pytorch (minor-compat)',
];
console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
