// The architecture, checked: folders import only downward (lint/layers.mjs), so no two depend on each other; pure
// modules import no I/O; each effectful library has one home.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAYERS, folderOf, layerViolation } from '../../lint/layers.mjs';

const SRC = new URL('../../src/', import.meta.url).pathname;
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
// Static imports, and built-ins an adapter loads on first use (process.getBuiltinModule): both count as imports.
const imports = (file: string) =>
  [...readFileSync(file, 'utf8').matchAll(/^import [^;]*? from '([^']+)';$|getBuiltinModule\('([^']+)'\)/gms)].map(
    (m) => (m[1] ?? m[2])!,
  );
const all = files(SRC).map((f) => relative(SRC, f));

/** Pure: no I/O, no clock, no environment. Parsing, selection, planning and rendering live here. */
const PURE = [
  'errors.ts',
  'secret.ts',
  'shell/quote.ts',
  'ngc/version.ts',
  'ngc/compat.ts',
  'ngc/cuda-driver-table.ts',
  'ngc/frameworks.ts',
  'ngc/tags.ts',
  'ngc/select.ts',
  'ngc/constraints.ts',
  'ngc/ngc-releases.ts',
  'ngc/seed.ts',
  'ngc/gpu-class.ts',
  'gpu/node-groups.ts',
  'app/selection.ts',
  'gpu/nvidia-smi.ts',
  'gpu/driver-version-file.ts',
  'gpu/gpu-information.ts',
  'gpu/node-state.ts',
  'gpu/driver-facts.ts',
  'gpu/driver-map-layout.ts',
  'gpu/cpu-probe.ts',
  'templates/render.ts',
  'job/plan.ts',
  'job/pull-mode.ts',
  'job/container-options.ts',
  'registry/auth.ts',
  'registry/auth-state.ts',
  'registry/auth-file.ts',
  'registry/backoff.ts',
  'registry/hints.ts',
  'registry/secret-env.ts',
  'registry/netrc.ts',
  'registry/proxy.ts',
  'import/archive.ts',
  'import/pull-failure.ts',
  'registry/reference.ts',
  'slurm/options.ts',
  'slurm/sbatch.ts',
  'slurm/sinfo.ts',
  'slurm/feature-constraint.ts',
  'config/resolve.ts',
  'state/paths.ts',
  'cli/build-cli.ts',
  'cli/fast-parse.ts',
  'cli/yargs-cli.ts',
  'cli/options.ts',
  'cli/args.ts',
  'log/levels.ts',
  'cli/output.ts',
  'log/types.ts',
  'transport/runner.ts',
  'transport/known-hosts.ts',
  'transport/ssh-config.ts',
  'transport/ssh-config-load.ts',
  'transport/ssh-config-lookup.ts',
  'transport/ssh-glob.ts',
  'transport/ssh-target.ts',
  'transport/remote-command.ts',
  'transport/openssh-args.ts',
  'transport/ssh-client-choice.ts',
  'slurm/job-state.ts',
  'config/sections.ts',
  'cache/settings.ts',
  'cache/units.ts',
  'cache/layout.ts',
  'cache/inventory.ts',
  'cache/plan-prune.ts',
  'cache/plan-warm.ts',
  'job/cache-view.ts',
  'job/pull-script.ts',
  'job/templates.ts',
  'image/names.ts',
  'config/cluster-snapshot.ts',
];
const EFFECTS = [
  'ssh2',
  'pino',
  'node-cron',
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
];

describe('architecture', () => {
  it('lists only files that exist', () => {
    expect(PURE.filter((f) => !all.includes(f))).toEqual([]);
  });

  it.each(PURE)('%s imports no effectful module', (file) => {
    expect(imports(join(SRC, file)).filter((m) => EFFECTS.includes(m))).toEqual([]);
  });

  it.each([
    ['pino', ['log/logger.ts']],
    ['node:child_process', ['transport/local-runner.ts']],
  ])('%s is imported only by its adapter', (module, allowed) => {
    expect(all.filter((f) => imports(join(SRC, f)).includes(module))).toEqual(allowed);
  });

  it('ssh2 is loaded lazily by the SSH adapter only: elsewhere, and statically, it is types alone', () => {
    const users = all.filter((f) => /from 'ssh2'|import\('ssh2'\)/.test(readFileSync(join(SRC, f), 'utf8')));
    expect(users).toEqual(['transport/ssh-connect.ts', 'transport/ssh-runner.ts']);
    for (const f of users)
      expect(readFileSync(join(SRC, f), 'utf8')).not.toMatch(/^import (?!type )[^;]*from 'ssh2';$/m);
  });

  it('no module calls process.exit', () => {
    expect(all.filter((f) => /process\.exit\(/.test(readFileSync(join(SRC, f), 'utf8')))).toEqual([]);
  });
});

/**
 * Every import between files of src/ (static, re-exported, or loaded lazily with import()), as [importing file,
 * imported file] paths under src/ (.ts).
 */
const srcImports = all.flatMap((from) =>
  [...readFileSync(join(SRC, from), 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)]
    .map((m) => [from, normalize(join(dirname(from), m[1]!)).replace(/\.js$/, '.ts')] as const)
    .filter(([, to]) => !to.startsWith('..')),
);
const folderEdges = [
  ...new Set(
    srcImports.filter(([f, t]) => folderOf(f) !== folderOf(t)).map(([f, t]) => `${folderOf(f)} -> ${folderOf(t)}`),
  ),
].sort();

describe('folder layers (lint/layers.mjs, also enforced by npm run lint)', () => {
  it('every folder of src/ sits in exactly one layer', () => {
    const folders = [...new Set(all.map(folderOf))];
    expect(folders.filter((f) => LAYERS.filter((layer) => layer.includes(f)).length !== 1)).toEqual([]);
  });

  it('every import names a module that exists', () => {
    expect(srcImports.filter(([, to]) => !all.includes(to))).toEqual([]);
  });

  it('folders import only lower layers', () => {
    expect(srcImports.filter(([from, to]) => layerViolation(from, to) !== undefined)).toEqual([]);
  });

  it('no cycle between folders, however indirect', () => {
    const edges = new Map<string, Set<string>>();
    for (const edge of folderEdges) {
      const [from, to] = edge.split(' -> ') as [string, string];
      edges.set(from, (edges.get(from) ?? new Set()).add(to));
    }
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (folder: string, path: readonly string[]) => {
      if (path.includes(folder)) return void cycles.push([...path.slice(path.indexOf(folder)), folder].join(' → '));
      if (done.has(folder)) return;
      for (const next of edges.get(folder) ?? []) visit(next, [...path, folder]);
      done.add(folder);
    };
    for (const folder of edges.keys()) visit(folder, []);
    expect(cycles).toEqual([]);
  });

  it('src/daemon imports nothing from src/cli', () => {
    expect(folderEdges.filter((e) => e === 'daemon -> cli')).toEqual([]);
  });
});
