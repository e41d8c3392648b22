// sinfo's answers read: a partition's GRES, and every partition with Slurm's default marked, as recorded on the testbed.
import { describe, expect, it } from 'vitest';
import { chooseDefaultGpuPartition } from '../../../src/app/default-partition.js';
import { parsePartitionInfo, parsePartitions } from '../../../src/slurm/sinfo.js';
import { recorded } from '../../support/fake-runner.js';

describe('sinfo', () => {
  it('reads every partition once, its node groups merged, and the one marked * as the default', () => {
    expect(parsePartitions(recorded('sinfo-partitions').stdout)).toEqual({
      defaultPartition: 'short',
      partitions: [
        { name: 'short', gres: [] },
        { name: 'gengpu', gres: ['gpu:h100:2', 'gpu:v100:2'] },
        { name: 'gpu-legacy', gres: ['gpu:h100:2', 'gpu:v100:2'] },
        { name: 'gpu-broken', gres: ['gpu:h100:2', 'gpu:v100:2'] },
        { name: 'gpu-mixed', gres: ['gpu:v100:2', 'gpu:h100:2'] },
        { name: 'gpu-multi', gres: ['gpu:h100:2'] },
      ],
    });
    expect(parsePartitions('a|(null)\nb|gpu:2(S:0)\n')).toEqual({
      defaultPartition: undefined,
      partitions: [
        { name: 'a', gres: [] },
        { name: 'b', gres: ['gpu:2'] },
      ],
    });
  });

  it("a GPU job's default: the default partition when it has GPUs; else a refusal that names the ones that do", () => {
    expect(chooseDefaultGpuPartition(parsePartitions('cpu|(null)\ngpu*|gpu:a100:4\n'))).toBe('gpu');
    expect(() => chooseDefaultGpuPartition(parsePartitions('cpu|(null)\ngpu|gpu:a100:4\n'))).toThrow(
      '--gpu without -p: no "gpuPartition" is configured, and Slurm has no default partition',
    );
  });

  it("reads one partition's GRES as before", () => {
    expect(parsePartitionInfo(recorded('sinfo-partition-gengpu').stdout, 'gengpu')).toEqual({
      name: 'gengpu',
      gres: ['gpu:h100:2', 'gpu:v100:2'],
    });
  });
});
