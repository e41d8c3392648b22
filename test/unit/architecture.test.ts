// The architecture, checked: folders import only downward in one order (src/layers.json), so no two depend on each
// other; pure modules import no I/O; each effectful library has one home.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import layers from '../../src/layers.json' with { type: 'json' };

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

/** The src/ modules a file imports (static, re-exported or loaded lazily with import()), as paths under src/. */
const localImports = (file: string): string[] =>
  [...readFileSync(join(SRC, file), 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) =>
    normalize(join(dirname(file), m[1]!)).replace(/\.js$/, '.ts'),
  );
/** A module's folder: its first path segment ("." for the files at the top of src/). */
const folderOf = (file: string) => (file.includes('/') ? file.slice(0, file.indexOf('/')) : '.');
const ORDER: readonly string[] = layers.order;
const folderEdges = [
  ...new Set(
    all.flatMap((file) =>
      localImports(file)
        .map(folderOf)
        .filter((to) => to !== folderOf(file))
        .map((to) => `${folderOf(file)} -> ${to}`),
    ),
  ),
].sort();

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

describe('layers', () => {
  it('place every folder of src/ in the order', () => {
    expect([...new Set(all.map(folderOf))].filter((f) => !ORDER.includes(f))).toEqual([]);
  });

  it('every import points to a module that exists', () => {
    expect(
      all.flatMap((f) =>
        localImports(f)
          .filter((m) => !all.includes(m))
          .map((m) => `${f} -> ${m}`),
      ),
    ).toEqual([]);
  });

  it('each folder imports only from itself and the folders below it', () => {
    const upward = all.flatMap((file) =>
      localImports(file)
        .filter((to) => ORDER.indexOf(folderOf(to)) > ORDER.indexOf(folderOf(file)))
        .map((to) => `${file} -> ${to}`),
    );
    expect(upward).toEqual([]);
  });

  it('no two folders depend on each other, however indirectly', () => {
    const next = new Map<string, string[]>();
    for (const edge of folderEdges) {
      const [from, to] = edge.split(' -> ') as [string, string];
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    const cycles: string[] = [];
    const walk = (folder: string, path: string[]): void => {
      if (path.includes(folder)) return void cycles.push([...path.slice(path.indexOf(folder)), folder].join(' -> '));
      for (const to of next.get(folder) ?? []) walk(to, [...path, folder]);
    };
    for (const folder of next.keys()) walk(folder, []);
    expect(cycles).toEqual([]);
  });

  it('the daemon imports nothing from the command line', () => {
    expect(folderEdges.filter((e) => e === 'daemon -> cli')).toEqual([]);
    expect(ORDER.indexOf('daemon')).toBeLessThan(ORDER.indexOf('cli'));
  });
});

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
