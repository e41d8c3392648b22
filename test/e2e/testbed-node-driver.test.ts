// Each GPU node of the testbed has a driver of its own, seen by its jobs at the real paths (/proc/driver/nvidia), and
// can be "upgraded": new files and nvidia-smi answers, its slurmd restarted (SlurmdStartTime changes), then reverted.
import { afterAll, describe, expect, it } from 'vitest';
import { runAsUser } from '../support/cluster.js';
import { nodeDriver, slurmdStartTime, switchNodeDriver, type DriverChange } from '../support/nodes.js';

/** One step on `node` of `partition` as the cluster user: what its /proc/driver and nvidia-smi say. */
async function driverSeenOn(partition: string, node: string) {
  const script = [
    'echo "node=$SLURMD_NODENAME"',
    'echo "version=$(head -n 1 /proc/driver/nvidia/version 2>&1)"',
    'for f in /proc/driver/nvidia/gpus/*/information; do [ -e "$f" ] || continue; d=${f%/information}; echo "gpu=${d##*/} $(head -n 1 "$f" | tr "\\t" " ")"; done',
    'echo "smi=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | sort -u | paste -sd,)"',
  ].join('\n');
  const result = await runAsUser(['srun', '-p', partition, '-w', node, '-c1', 'bash', '-c', script]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

let change: DriverChange | undefined;
afterAll(() => change?.revert());

describe('per-node drivers', () => {
  it('gpu-multi nodes show the H100 580 driver files; gpu01 (three partitions, three drivers) shows none, as before', async () => {
    expect(nodeDriver('gpu04')).toBe('h100-580.159.04');
    const seen = await driverSeenOn('gpu-multi', 'gpu04');
    expect(seen).toContain('node=gpu04\n');
    expect(seen).toContain(
      'version=NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (dvs-builder@U22-I3-AF03-09-1)  Thu Oct 30 05:20:38 UTC 2025\n',
    );
    expect(seen).toContain('gpu=0000:00:06.0 Model:    NVIDIA H100 80GB HBM3\n');
    expect(seen).toContain('smi=580.159.04\n');

    expect(nodeDriver('gpu01')).toBe('none');
    const gpu01 = await driverSeenOn('gpu-legacy', 'gpu01');
    expect(gpu01).toContain('version=head: cannot open');
    expect(gpu01).not.toContain('gpu=');
    expect(gpu01).toContain('smi=525.105.17\n'); // nvidia-smi still answers by partition there
  });

  it('an upgrade of gpu05 changes its files, its nvidia-smi and its SlurmdStartTime, not gpu04; reverting undoes it', async () => {
    const before = slurmdStartTime('gpu05');
    change = switchNodeDriver('gpu05', 'h100-550.90.07');
    expect(change.previous).toBe('h100-580.159.04');
    const after = slurmdStartTime('gpu05');
    expect(after).not.toBe(before);

    const seen = await driverSeenOn('gpu-multi', 'gpu05');
    expect(seen).toContain('Open Kernel Module for x86_64  550.90.07  Release Build');
    expect(seen.match(/^gpu=0000:[0-9a-f]{2}:00\.0 Model: {4}NVIDIA H100 80GB HBM3$/gm)).toHaveLength(8);
    expect(seen).toContain('smi=550.90.07\n');
    expect(await driverSeenOn('gpu-multi', 'gpu04')).toContain('smi=580.159.04\n');

    change.revert();
    change = undefined;
    expect(nodeDriver('gpu05')).toBe('h100-580.159.04');
    expect(slurmdStartTime('gpu05')).not.toBe(after);
    expect(await driverSeenOn('gpu-multi', 'gpu05')).toContain('smi=580.159.04\n');
  });
});
