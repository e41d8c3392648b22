// The CPU-only driver probe: a one-CPU step pinned to one node that reads the kernel module's files, no GPU needed.
import { DRIVER_VERSION_FILE, parseDriverVersionFile } from './driver-version-file.js';
import { GPU_INFORMATION_DIR, parseGpuInformation } from './gpu-information.js';

export interface CpuProbeOptions {
  readonly partition: string;
  /** The node to read: one node of the group being learned. */
  readonly node: string;
  readonly account: string | undefined;
  /** How long Slurm may take to start the step before giving up (--immediate). */
  readonly waitSeconds: number;
  /** Memory for the step, MB: cat needs a few; some sites refuse a step without --mem. */
  readonly memoryMb?: number;
  /** The site's driverVersionFile setting (a stand-in on a testbed); /proc/driver/nvidia/version by default. */
  readonly versionFile?: string | undefined;
  /** Where the per-GPU directories are; /proc/driver/nvidia/gpus by default. */
  readonly gpusDir?: string | undefined;
  /** Carried in the job name (see ProbeOptions.runTag). */
  readonly runTag?: string | undefined;
}

/** Marks where each information file starts in the probe's output (a fixed string: no value reaches the shell). */
export const GPU_MARK = '--- qsub-container gpu ';

// Paths arrive as $1 and $2, never inside the script: quoted once, at the transport, like every argv.
const PROBE_SCRIPT = [
  'cat "$1" || exit 3',
  `for f in "$2"/*/information; do if [ -r "$f" ]; then printf '%s%s\\n' '${GPU_MARK}' "$f"; cat "$f"; fi; done`,
].join('; ');

export const CPU_PROBE_JOB_NAME = 'qsub-container-cpu-probe';

/** A probe's job name with the run's tag (ProbeOptions.runTag), which a stop cancels by. */
export const taggedJobName = (name: string, runTag: string | undefined): string =>
  runTag ? `${name}-${runTag}` : name;

/**
 * Reads /proc/driver/nvidia/version and every GPU's information file. It asks for no GRES, so it starts whenever the
 * node has a free core, even with all its GPUs allocated; /proc/driver/nvidia is readable without the device files
 * a step without GPUs is denied (cgroup ConstrainDevices), which is also why it does not run nvidia-smi.
 * Sites whose policy refuses steps without a GPU keep the GPU probe (src/gpu/probe.ts), a site setting.
 */
export function cpuProbeArgv(o: CpuProbeOptions): string[] {
  return [
    'srun',
    `--partition=${o.partition}`,
    `--nodelist=${o.node}`,
    ...(o.account ? [`--account=${o.account}`] : []),
    '--nodes=1',
    '--ntasks=1',
    '--cpus-per-task=1',
    `--mem=${o.memoryMb ?? 16}M`,
    '--time=1',
    `--job-name=${taggedJobName(CPU_PROBE_JOB_NAME, o.runTag)}`,
    `--immediate=${o.waitSeconds}`,
    '--quiet',
    '--',
    '/bin/sh',
    '-c',
    PROBE_SCRIPT,
    CPU_PROBE_JOB_NAME,
    o.versionFile ?? DRIVER_VERSION_FILE,
    o.gpusDir ?? GPU_INFORMATION_DIR,
  ];
}

export type CpuProbeResult =
  | { readonly kind: 'ok'; readonly driverVersion: string; readonly gpuModels: readonly string[] }
  | { readonly kind: 'no-driver'; readonly message: string };

/** The probe's stdout → the node's driver and its GPUs' models, or why it names no driver. */
export function parseCpuProbe(stdout: string): CpuProbeResult {
  const [versionPart = '', ...gpuParts] = stdout.split(GPU_MARK);
  const driverVersion = parseDriverVersionFile(versionPart);
  if (!driverVersion)
    return {
      kind: 'no-driver',
      message: `${DRIVER_VERSION_FILE} names no driver: ${versionPart.trim().split('\n', 1)[0] || '(empty)'}`,
    };
  const gpuModels = gpuParts.flatMap((part) => {
    const info = parseGpuInformation(part.slice(part.indexOf('\n') + 1));
    return info ? [info.model] : [];
  });
  return { kind: 'ok', driverVersion, gpuModels };
}
