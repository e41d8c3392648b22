// A job request for template tests: the testbed's tensorflow image in the shared cache, overridable field by field.
import type { JobRequest } from '../../src/job/plan.js';

export const DIGEST = `sha256:${'ab'.repeat(32)}`;

export const IMAGE: JobRequest['image'] = {
  displayRef: '127.0.0.1:5000/nvidia/tensorflow:25.02-tf2-py3',
  pullRef: `docker://127.0.0.1:5000/nvidia/tensorflow@${DIGEST}`,
  digest: DIGEST,
  noHttps: true,
  authFile: '/home/hpcuser/.config/qsub-container/auth.json',
};

export const jobRequest = (overrides: Partial<JobRequest> = {}): JobRequest => ({
  jobName: 'qsc-tensorflow',
  partition: 'gengpu',
  account: undefined,
  time: undefined,
  mem: undefined,
  cpus: undefined,
  gpus: 1,
  gpuType: undefined,
  output: undefined,
  imageCacheDir: '/srv/qsc-cache',
  image: IMAGE,
  command: ['python', 'train.py'],
  ...overrides,
});

/** The warmer's kind of request: a CPU job that pulls a pytorch image into a cache directory with a quote in its name. */
export const PULL_REQUEST = jobRequest({
  jobName: 'qsc-warm-cdcdcdcdcdcd',
  partition: 'short',
  time: '02:00:00',
  gpus: 0,
  imageCacheDir: "/projects/p1/it's containers",
  command: [],
  image: {
    displayRef: 'nvcr.io/nvidia/pytorch:24.10-py3',
    pullRef: `docker://nvcr.io/nvidia/pytorch@sha256:${'cd'.repeat(32)}`,
    digest: `sha256:${'cd'.repeat(32)}`,
    noHttps: false,
    authFile: undefined,
    cudaVersion: '12.6.2.004',
    cudaDriverVersion: '560.35.03',
  },
});
