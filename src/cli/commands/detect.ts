// detect: the driver of partitions, or of a saved nvidia-smi output (app/detect.ts), as text or --json.
import { detectFromSaved, detectPartitions } from '../../app/detect.js';
import type { AppDeps } from '../../app/deps.js';
import { InputFileError } from '../../errors.js';
import { DRIVER_VERSION_FILE } from '../../gpu/driver-version-file.js';
import { parseConstraint } from '../../slurm/feature-constraint.js';
import type { DetectArgs } from '../args.js';
import type { CliIo } from '../io.js';

const names = (gpus: ReadonlyArray<{ name: string }>) => [...new Set(gpus.map((g) => g.name))].join(', ');

/** "just now", "5 min ago", "3 h ago", "2 d ago": the age of a group's fact, as detect prints it. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/** The saved output, or exit 66 naming the path: a file the user named is input, not a bug. */
async function readCapture(io: CliIo, path: string): Promise<string> {
  return io.readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new InputFileError(
      `cannot read --nvidia-smi-output ${path}: ${READ_FAILURES[error.code ?? ''] ?? error.code ?? error.message}`,
      { hint: `give a file you can read that holds a saved nvidia-smi output or ${DRIVER_VERSION_FILE}` },
    );
  });
}

export async function detectCommand(args: DetectArgs, deps: AppDeps, io: CliIo): Promise<void> {
  if (args.nvidiaSmiOutput !== undefined) {
    const result = detectFromSaved(await readCapture(io, args.nvidiaSmiOutput), args.nvidiaSmiOutput);
    if (args.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
    else if (result.source === 'kernel-module')
      io.out(`driver ${result.driverVersion} (kernel module; the file names no CUDA version or GPUs)\n`);
    else
      io.out(
        `driver ${result.driverVersion}, CUDA ${result.cudaVersion ?? 'unknown'}, ${result.gpus.length} GPU(s): ${names(result.gpus)}\n`,
      );
    return;
  }
  const settings = await deps.cluster.settings({ account: args.account });
  const results = await detectPartitions(deps, {
    settings,
    partitions: args.partition,
    gpuType: args.gpuType,
    constraint: args.constraint === undefined ? undefined : parseConstraint(args.constraint),
    refresh: args.refresh,
  });
  if (args.json) {
    io.out(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    const usable = r.groups.length > 1 ? ' (lowest of its node groups: what a job there can rely on)' : '';
    const gpus = r.gpus.length ? ` (${names(r.gpus)})` : '';
    io.out(`${r.partition}: driver ${r.driverVersion}${usable}${gpus}${r.cached ? ' [cached]' : ''}\n`);
    // Per node group: where its driver came from and how old that is, so a stale or surprising answer can be traced.
    for (const g of r.groups) {
      const models = g.gpus.length ? `${names(g.gpus)}; ` : '';
      const from = g.source
        ? `, from ${g.source}${g.ageSeconds === null || g.source === 'admin' ? '' : ` ${formatAge(g.ageSeconds)}`}`
        : '';
      io.out(`  ${g.nodes.join(',')}: driver ${g.driverVersion} (${models}${g.gres})${from}\n`);
    }
  }
}
