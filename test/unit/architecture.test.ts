// The architecture, checked: pure modules import no I/O; each effectful library has one home.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

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
  'gpu/gpu-class.ts',
  'gpu/node-groups.ts',
  'cli/selection.ts',
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
  'config/cache-settings.ts',
  'cache/units.ts',
  'cache/layout.ts',
  'cache/inventory.ts',
  'cache/plan-prune.ts',
  'cache/plan-warm.ts',
  'cache/job-view.ts',
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
