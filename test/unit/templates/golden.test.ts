// Golden renders: the job scripts qsub-container writes for a set of requests, compared byte for byte with files
// reviewed like code (test/fixtures/golden). A change to the template or its view shows up here as a diff; regenerate
// with QSC_UPDATE_GOLDEN=1 only when the change is intended. That bash reads every golden file: test/integration.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderPullJobScript } from '../../../src/app/prepare-image.js';
import { renderImagePull } from '../../../src/app/pull-image.js';
import { DEFAULT_CACHE } from '../../../src/cache/settings.js';
import { resolveSettings, type Settings } from '../../../src/config/resolve.js';
import { planLaunch } from '../../../src/job/launch.js';
import { planJobView } from '../../../src/job/plan.js';
import { renderTemplate } from '../../../src/templates/render.js';
import { IMAGE, jobRequest } from '../../support/job-request.js';
import { JOB, PULL } from '../../support/templates.js';

const GOLDEN = new URL('../../fixtures/golden/', import.meta.url);
const CUDA = { cudaVersion: '12.8.0.038', cudaDriverVersion: '570.124.06' };

const job = jobRequest;

const settings = (values: Record<string, unknown>): Settings =>
  resolveSettings([{ source: 'test', values }], '/home/hpcuser/.config/qsub-container').settings;

const SITE_VALUES = {
  cacheDir: '/srv/qsc-cache',
  account: 'p12345',
  cache: { group: 'qsc', minFree: '1G', apptainerTmpDir: '/scratch/tmp', apptainerCacheDir: '/scratch/cache' },
  warm: { pullOn: 'slurm', pullPartition: 'short', pullTime: '01:00:00' },
};
const SITE = settings(SITE_VALUES);

/** name → the script as rendered today. */
const RENDERS: Record<string, () => string> = {
  'gpu-job-every-option.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          account: 'p12345',
          time: '04:00:00',
          mem: '32G',
          cpus: 4,
          gpus: 2,
          gpuType: 'h100',
          constraint: '[quest8|quest9]&rhel8',
          output: 'logs/%x-%j.out',
          minDriver: '570.124.06',
          framework: 'tensorflow',
          driverVersionFile: '/proc/driver/nvidia/version',
          binds: ['/projects/p1:/data:ro'],
          env: [{ name: 'A', value: "it's $(x)" }],
          image: { ...IMAGE, ...CUDA },
        }),
        SITE.cache,
      ),
    ),
  'gpu-job-driver-map.sh': () =>
    renderTemplate(
      JOB,
      planJobView(job({ gpus: 1, minDriver: '570.124.06', driverMapDir: '/shared/qsc driver-map', image: IMAGE })),
    ),
  'cpu-job-default-cache-dir.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          gpus: 0,
          partition: 'short',
          imageCacheDir: undefined,
          image: { ...IMAGE, ...CUDA, authFile: undefined },
        }),
        DEFAULT_CACHE,
      ),
    ),
  'gpu-job-runscript-default-view.sh': () => renderTemplate(JOB, planJobView(job({ command: [] }))),
  'array-task-commands.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          array: '0-2',
          taskCommands: ['echo one', "echo 'two'", 'exit 3'],
          env: [{ name: 'B', value: '1' }],
          image: { ...IMAGE, ...CUDA },
        }),
      ),
    ),
  'env-runscript.sh': () =>
    renderTemplate(
      JOB,
      planJobView(job({ command: [], env: [{ name: 'C', value: 'x y' }], image: { ...IMAGE, ...CUDA } })),
    ),
  'multi-node-per-task-every-option.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          partition: 'gpu-multi',
          cpus: 4,
          gpus: 2,
          launch: planLaunch({
            nodes: 2,
            ntasks: undefined,
            ntasksPerNode: 2,
            launcher: undefined,
            mpi: 'pmix',
            stage: undefined,
            taskCommands: false,
          }),
          slurm: {
            exclusive: true,
            qos: 'high',
            error: 'logs/%x-%j.err',
            mailType: 'END,FAIL',
            mailUser: 'me@example.edu',
            dependency: 'afterok:123',
            sbatchArgs: [
              { name: '--reservation', value: 'maint window' },
              { name: '--requeue', value: undefined },
            ],
          },
          apptainerArgs: ['--contain', '--overlay=/scratch/o.img:ro'],
          distributedEnv: [
            { name: 'NCCL_SOCKET_IFNAME', value: 'ib0' },
            { name: 'NCCL_IB_HCA', value: '=mlx5_0:1' },
          ],
          env: [{ name: 'A', value: "it's $(x)" }],
          minDriver: '570.124.06',
          image: { ...IMAGE, ...CUDA },
        }),
        SITE.cache,
      ),
    ),
  'multi-node-per-node-torchrun.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          partition: 'gpu-multi',
          gpus: 2,
          launch: planLaunch({
            nodes: 4,
            ntasks: undefined,
            ntasksPerNode: undefined,
            launcher: 'per-node',
            mpi: undefined,
            stage: undefined,
            taskCommands: false,
          }),
          command: ['bash', '-c', 'torchrun --nnodes="$NNODES" --nproc-per-node="$NPROC_PER_NODE" train.py'],
          pythonUserBase: '/home/hpcuser/pyuser',
          image: { ...IMAGE, ...CUDA },
        }),
      ),
    ),
  'multi-node-stage-local.sh': () =>
    renderTemplate(
      JOB,
      planJobView(
        job({
          partition: 'gpu-multi',
          gpus: 1,
          launch: planLaunch({
            nodes: 2,
            ntasks: 8,
            ntasksPerNode: undefined,
            launcher: undefined,
            mpi: 'pmi2',
            stage: 'local',
            taskCommands: false,
          }),
          stageDir: '/local/scratch',
          pythonUserSite: true,
          command: [],
          minDriver: '570.124.06',
          image: { ...IMAGE, ...CUDA },
        }),
      ),
    ),
  'pull-job-cpu.sh': () => renderPullJobScript(PULL, SITE, { ...IMAGE, ...CUDA }, '/srv/qsc-cache'),
  'pull-job-cpu-default-cache-dir.sh': () =>
    renderPullJobScript(
      PULL,
      settings({ warm: { pullPartition: 'short' } }),
      { ...IMAGE, authFile: undefined },
      undefined,
    ),
  'warm-pull-local.sh': () =>
    renderImagePull(
      PULL,
      settings({ ...SITE_VALUES, warm: {} }),
      {
        image: IMAGE,
        imageCacheDir: '/srv/qsc-cache',
        on: 'local',
      },
      'hpcuser',
    ),
  'warm-pull-slurm.sh': () =>
    renderImagePull(
      PULL,
      SITE,
      {
        image: { ...IMAGE, noHttps: false, authFile: undefined, ...CUDA },
        imageCacheDir: '/srv/qsc-cache',
        on: 'slurm',
      },
      'hpcuser',
    ),
  'import-build.sh': () =>
    renderImagePull(
      PULL,
      SITE,
      {
        image: { ...IMAGE, authFile: undefined, buildSource: 'docker-archive:/home/hpcuser/image.tar' },
        imageCacheDir: '/srv/qsc-cache',
        on: 'local',
      },
      'hpcuser',
    ),
};

describe('golden renders', () => {
  it.each(Object.keys(RENDERS))('%s is rendered byte for byte as reviewed', (name) => {
    const script = RENDERS[name]!();
    const file = new URL(name, GOLDEN);
    if (process.env.QSC_UPDATE_GOLDEN) writeFileSync(file, script);
    expect(script).toBe(readFileSync(file, 'utf8'));
  });
});
