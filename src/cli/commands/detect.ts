// detect: the driver of a partition (probed through Slurm, cached), or of a saved nvidia-smi output.
import { DataError, UsageError } from '../../errors.js';
import { parseNvidiaSmi } from '../../gpu/nvidia-smi.js';
import type { DetectArgs } from '../build-cli.js';
import type { Context } from '../context.js';
import { findDriver, settingsFor } from '../shared.js';

export async function detectCommand(args: DetectArgs, ctx: Context): Promise<void> {
  if (args.nvidiaSmiOutput !== undefined) {
    const parsed = parseNvidiaSmi(await ctx.readFile(args.nvidiaSmiOutput));
    if (parsed.kind === 'failure') {
      throw new DataError(`nvidia-smi output reports a failure (${parsed.reason}): ${parsed.message}`, {
        hint: 'the node has no working driver; capture the output again after the driver is fixed',
      });
    }
    const result = { driverVersion: parsed.driverVersion, cudaVersion: parsed.cudaVersion, gpus: parsed.gpus };
    ctx.out(args.json ? `${JSON.stringify(result, null, 2)}\n` : `driver ${result.driverVersion ?? 'unknown'}, CUDA ${result.cudaVersion ?? 'unknown'}, ${result.gpus.length} GPU(s): ${[...new Set(result.gpus.map((g) => g.name))].join(', ')}\n`);
    return;
  }
  const settings = await settingsFor(ctx, { account: args.account });
  const partitions = args.partition.length > 0 ? args.partition : settings.gpuPartition ? [settings.gpuPartition] : [];
  if (partitions.length === 0) throw new UsageError('no partition to probe', { hint: 'pass -p PARTITION or --nvidia-smi-output FILE' });
  const results = [];
  for (const partition of partitions) {
    const probe = await findDriver(ctx, settings, { partition, gpuType: args.gpuType, account: settings.account, refresh: args.refresh });
    results.push({ partition, driverVersion: probe.driverVersion, gpus: probe.gpus, cached: probe.cached });
  }
  ctx.out(
    args.json
      ? `${JSON.stringify(results, null, 2)}\n`
      : results.map((r) => `${r.partition}: driver ${r.driverVersion} (${[...new Set(r.gpus.map((g) => g.name))].join(', ')})${r.cached ? ' [cached]' : ''}\n`).join(''),
  );
}
