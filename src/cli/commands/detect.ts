// detect: the driver of partitions (probed per node group through Slurm, cached), or of a saved nvidia-smi output.
import { DataError, InputFileError, UsageError } from '../../errors.js';
import { DRIVER_VERSION_FILE, parseDriverVersionFile } from '../../gpu/driver-version-file.js';
import {
  DRIVER_CAPTURE_HINT,
  normalizeCapture,
  parseNvidiaSmi,
  type NvidiaSmiFailureReason,
} from '../../gpu/nvidia-smi.js';
import type { DetectArgs } from '../args.js';
import type { Context } from '../context.js';
import { findDriver, settingsFor } from '../shared.js';

const names = (gpus: ReadonlyArray<{ name: string }>) => [...new Set(gpus.map((g) => g.name))].join(', ');

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
};

/** The saved output, or exit 66 naming the path: a file the user named is input, not a bug. */
async function readCapture(ctx: Context, path: string): Promise<string> {
  return ctx.readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new InputFileError(
      `cannot read --nvidia-smi-output ${path}: ${READ_FAILURES[error.code ?? ''] ?? error.code ?? error.message}`,
      { hint: `give a file you can read that holds a saved nvidia-smi output or ${DRIVER_VERSION_FILE}` },
    );
  });
}

/** Outputs that were read but name no driver are the capture's fault, not the node's. */
const CAPTURE_FAULTS: ReadonlySet<NvidiaSmiFailureReason> = new Set([
  'no-driver-version',
  'unknown-fields',
  'several-drivers',
  'invalid-arguments',
  'unparseable',
]);

export async function detectCommand(args: DetectArgs, ctx: Context): Promise<void> {
  if (args.nvidiaSmiOutput !== undefined) {
    const text = normalizeCapture(await readCapture(ctx, args.nvidiaSmiOutput));
    // A saved kernel module version file names the driver alone, and is readable where NVML fails (a library mismatch).
    const moduleDriver = parseDriverVersionFile(text);
    if (moduleDriver) {
      const result = { driverVersion: moduleDriver, cudaVersion: null, gpus: [], source: 'kernel-module' };
      ctx.out(
        args.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `driver ${moduleDriver} (kernel module; the file names no CUDA version or GPUs)\n`,
      );
      return;
    }
    const parsed = parseNvidiaSmi(text);
    if (parsed.kind === 'failure' && CAPTURE_FAULTS.has(parsed.reason)) {
      throw new DataError(`${args.nvidiaSmiOutput} names no driver version: ${parsed.message}`, {
        hint: DRIVER_CAPTURE_HINT,
      });
    }
    if (parsed.kind === 'failure') {
      const mismatch =
        parsed.reason === 'driver-library-mismatch'
          ? `; the loaded kernel module's version is in ${DRIVER_VERSION_FILE}, which detect reads too`
          : '';
      throw new DataError(`nvidia-smi output reports a failure (${parsed.reason}): ${parsed.message}`, {
        hint: `the node has no working driver; capture the output again after the driver is fixed${mismatch}`,
      });
    }
    const result = {
      driverVersion: parsed.driverVersion,
      cudaVersion: parsed.cudaVersion,
      gpus: parsed.gpus,
      source: 'nvidia-smi',
    };
    ctx.out(
      args.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `driver ${result.driverVersion}, CUDA ${result.cudaVersion ?? 'unknown'}, ${result.gpus.length} GPU(s): ${names(result.gpus)}\n`,
    );
    return;
  }
  const settings = await settingsFor(ctx, { account: args.account });
  const partitions = args.partition.length > 0 ? args.partition : settings.gpuPartition ? [settings.gpuPartition] : [];
  if (partitions.length === 0)
    throw new UsageError('no partition to probe', { hint: 'pass -p PARTITION or --nvidia-smi-output FILE' });
  const results = [];
  for (const partition of partitions) {
    const probe = await findDriver(ctx, settings, {
      partition,
      gpuType: args.gpuType,
      constraint: args.constraint,
      account: settings.account,
      refresh: args.refresh,
    });
    const groups = (probe.groups ?? []).map((g) => ({
      nodes: g.nodes,
      probedNode: g.probedNode,
      gres: g.gres,
      features: g.features,
      driverVersion: g.driverVersion,
      gpus: g.gpus,
    }));
    results.push({ partition, driverVersion: probe.driverVersion, gpus: probe.gpus, groups, cached: probe.cached });
  }
  if (args.json) {
    ctx.out(`${JSON.stringify(results, null, 2)}\n`);
    return;
  }
  for (const r of results) {
    const usable = r.groups.length > 1 ? ' (lowest of its node groups: what a job there can rely on)' : '';
    ctx.out(`${r.partition}: driver ${r.driverVersion}${usable} (${names(r.gpus)})${r.cached ? ' [cached]' : ''}\n`);
    if (r.groups.length > 1)
      for (const g of r.groups)
        ctx.out(`  ${g.nodes.join(',')}: driver ${g.driverVersion} (${names(g.gpus)}; ${g.gres})\n`);
  }
}
