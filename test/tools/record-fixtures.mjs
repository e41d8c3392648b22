#!/usr/bin/env node
// Record the Slurm and registry answers the use-case unit tests replay (test/fixtures/slurm, test/fixtures/registry),
// from the real testbed: every command runs as the cluster user through the same code that runs it in production
// (dist/, so `npm run build` first), and each exchange is written as it happened. Run as root on the testbed, under
// the e2e lock: `flock /tmp/qsc-e2e.lock node test/tools/record-fixtures.mjs`. It cancels every job it submits and
// removes the cache directory it makes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dist = (path) => import(`${ROOT}dist/${path}`);
const SLURM_OUT = `${ROOT}test/fixtures/slurm/`;
const REGISTRY_OUT = `${ROOT}test/fixtures/registry/`;
const USER = 'hpcuser';
const REGISTRY = '127.0.0.1:5000';
/** Fixed, so the cache directory in recorded argv is the one tests name. */
const CACHE = '/srv/qsc-cache/fixture-record';

const { createLocalRunner } = await dist('transport/local-runner.js');
const { sinfoPartitionArgv, SINFO_LIST_ARGV, SINFO_PARTITIONS_ARGV } = await dist('slurm/sinfo.js');
const { sinfoNodesArgv } = await dist('gpu/node-groups.js');
const { probeArgv } = await dist('gpu/probe.js');
const { cpuProbeArgv } = await dist('gpu/cpu-probe.js');
const { checkCachedImage } = await dist('cache/check-cached.js');
const { findOrSubmitPullJob } = await dist('cache/pull-job.js');
const { SQUEUE_ARGV } = await dist('cache/in-use.js');
const { SBATCH_ARGV } = await dist('slurm/sbatch.js');
const { dependencyArgv } = await dist('job/pull-mode.js');
const { scontrolJobArgv } = await dist('slurm/job-state.js');
const { createRegistryClient } = await dist('registry/client.js');
const { parseRegistry } = await dist('registry/reference.js');
const { Secret } = await dist('secret.js');
const { silentLogger } = await dist('log/types.js');
const { renderImagePull } = await dist('app/pull-image.js');
const { resolveSettings } = await dist('config/resolve.js');
const { pinImage, sifName } = await dist('image/names.js');

/** The cluster user's runner: argv as the user runs it, in their home, with a login-like environment. */
const local = createLocalRunner({ PATH: process.env.PATH });
const asUser = (request) =>
  local.run({
    ...request,
    argv: [
      'runuser',
      '-u',
      USER,
      '-m',
      '--',
      'env',
      '-i',
      '-C',
      `/home/${USER}`,
      `HOME=/home/${USER}`,
      `USER=${USER}`,
      'PATH=/usr/local/bin:/usr/bin:/bin',
      'LANG=C.UTF-8',
      ...request.argv,
    ],
  });

const recorded = [];
/** A runner that records every exchange under `name`. */
const recording = (name) => ({
  id: 'local:testbed',
  async run(request) {
    const result = await asUser(request);
    const exchange = { argv: request.argv, ...(request.stdin ? { stdin: request.stdin } : {}), ...result };
    writeFileSync(`${SLURM_OUT}${name}.json`, `${JSON.stringify(exchange, null, 1)}\n`);
    recorded.push(name);
    return result;
  },
});
const record = (name, request) => recording(name).run(request);
const jobIdOf = (stdout) => /(\d+)/.exec(stdout)?.[1];
const submitted = [];
const cancelAll = () => {
  for (const id of submitted.filter(Boolean)) execFileSync('scancel', [id]);
};

/** A job that is harmless wherever it lands: the recorded answers are sbatch's, not the job's. */
const TRIVIAL = (partition, seconds = 0) =>
  `#!/bin/bash\n#SBATCH --partition=${partition}\n#SBATCH --time=1\n#SBATCH --output=/dev/null\nsleep ${seconds}\n`;

mkdirSync(SLURM_OUT, { recursive: true });
mkdirSync(REGISTRY_OUT, { recursive: true });
rmSync(CACHE, { recursive: true, force: true });
execFileSync('install', ['-d', '-o', USER, '-g', USER, '-m', '2775', CACHE]);

try {
  // --- The registry: what the client reads for nvidia/tensorflow, answered as recorded (2xx only, auth stripped).
  const registryAnswers = {};
  const password = readFileSync('/var/lib/qsc-testbed/registry-password', 'utf8').trim();
  const recordingFetch = async (url, init = {}) => {
    const response = await fetch(url, init);
    const body = Buffer.from(await response.arrayBuffer());
    if (response.ok) {
      const { pathname, search } = new URL(url);
      registryAnswers[`${init.method ?? 'GET'} ${pathname}${search}`] = {
        status: response.status,
        headers: Object.fromEntries(
          ['content-type', 'docker-content-digest', 'link'].flatMap((h) =>
            response.headers.get(h) === null ? [] : [[h, response.headers.get(h)]],
          ),
        ),
        body: init.method === 'HEAD' ? '' : body.toString('utf8'),
      };
    }
    return new Response(init.method === 'HEAD' ? null : body, { status: response.status, headers: response.headers });
  };
  const client = createRegistryClient(parseRegistry(REGISTRY), {
    fetch: recordingFetch,
    credentials: { username: 'qsc', password: new Secret(password), source: 'record-fixtures' },
    blobCache: undefined,
    log: silentLogger,
  });
  const digests = {};
  for (const repository of ['nvidia/tensorflow', 'nvidia/pytorch']) {
    for (const tag of await client.listTags(repository)) {
      await client.resolveDigest(repository, tag);
      const manifest = await client.resolveManifest(repository, tag);
      await client.readConfig(repository, manifest.configDigest);
      digests[`${repository}:${tag}`] = manifest.digest;
    }
  }
  writeFileSync(`${REGISTRY_OUT}testbed-5000.json`, `${JSON.stringify(registryAnswers, null, 1)}\n`);
  const TF = digests['nvidia/tensorflow:25.02-tf2-py3'];

  // --- The probe: a GPU partition, one whose driver is broken, one without GPUs, one that does not exist.
  const probe = { gpuType: undefined, account: undefined, waitSeconds: 60 };
  await record('sinfo-partition-gengpu', { argv: sinfoPartitionArgv('gengpu'), timeoutMs: 30_000 });
  await record('sinfo-nodes-gengpu', { argv: sinfoNodesArgv('gengpu'), timeoutMs: 30_000 });
  // The CPU-only probe first: gpu01 has no /proc/driver/nvidia, so it ends with 3 and the GPU probe follows.
  await record('srun-cpu-probe-gengpu-gpu01', {
    argv: cpuProbeArgv({ ...probe, partition: 'gengpu', node: 'gpu01' }),
    timeoutMs: 120_000,
  });
  await record('srun-probe-gengpu-gpu01', {
    argv: probeArgv({ ...probe, partition: 'gengpu' }, 'gpu01'),
    timeoutMs: 120_000,
  });
  await record('sinfo-partition-gpu-broken', { argv: sinfoPartitionArgv('gpu-broken'), timeoutMs: 30_000 });
  await record('sinfo-nodes-gpu-broken', { argv: sinfoNodesArgv('gpu-broken'), timeoutMs: 30_000 });
  // The CPU-only probe first: gpu01 has no /proc/driver/nvidia, so it ends with 3 and the GPU probe follows.
  await record('srun-cpu-probe-gpu-broken-gpu01', {
    argv: cpuProbeArgv({ ...probe, partition: 'gpu-broken', node: 'gpu01' }),
    timeoutMs: 120_000,
  });
  await record('srun-probe-gpu-broken-gpu01', {
    argv: probeArgv({ ...probe, partition: 'gpu-broken' }, 'gpu01'),
    timeoutMs: 120_000,
  });
  await record('sinfo-partition-short', { argv: sinfoPartitionArgv('short'), timeoutMs: 30_000 });
  await record('sinfo-partition-nosuch', { argv: sinfoPartitionArgv('nosuch'), timeoutMs: 30_000 });
  await record('sinfo-list', { argv: [...SINFO_LIST_ARGV], timeoutMs: 30_000 });
  await record('sinfo-partitions', { argv: [...SINFO_PARTITIONS_ARGV], timeoutMs: 30_000 });

  // --- sbatch: accepted, and refused for a partition that does not exist and for more GPUs than any node has.
  const accepted = await record('sbatch-parsable', {
    argv: [...SBATCH_ARGV],
    stdin: TRIVIAL('short'),
    timeoutMs: 120_000,
  });
  submitted.push(jobIdOf(accepted.stdout));
  await record('sbatch-invalid-partition', { argv: [...SBATCH_ARGV], stdin: TRIVIAL('nosuch'), timeoutMs: 120_000 });
  await record('sbatch-node-configuration', {
    argv: [...SBATCH_ARGV],
    stdin: TRIVIAL('gengpu').replace('#SBATCH --time=1', '#SBATCH --time=1\n#SBATCH --gres=gpu:h100:9'),
    timeoutMs: 120_000,
  });

  // --- The cache check before a submission: missing (nothing submitted), missing with the job submitted in the same
  // call (the job pulls), cached (submitted), and a damaged file moved to quarantine.
  await checkCachedImage(recording('check-cached-missing'), CACHE, TF, {
    argv: SBATCH_ARGV,
    script: TRIVIAL('short'),
    when: 'cached',
  });
  const always = await checkCachedImage(recording('check-cached-missing-submitted'), CACHE, TF, {
    argv: SBATCH_ARGV,
    script: TRIVIAL('short'),
    when: 'always',
  });
  submitted.push(jobIdOf(always.submitted.stdout));
  const sif = `${CACHE}/${sifName(TF)}`;
  const header = Buffer.concat([Buffer.alloc(32, 0x23), Buffer.from('SIF_MAGIC'), Buffer.alloc(64)]);
  writeFileSync(sif, header);
  execFileSync('chown', [`${USER}:${USER}`, sif]);
  const cached = await checkCachedImage(recording('check-cached-cached-submitted'), CACHE, TF, {
    argv: SBATCH_ARGV,
    script: TRIVIAL('short'),
    when: 'cached',
  });
  submitted.push(jobIdOf(cached.submitted.stdout));
  writeFileSync(sif, 'not a SIF');
  execFileSync('chown', [`${USER}:${USER}`, sif]);
  await checkCachedImage(recording('check-cached-quarantined'), CACHE, TF, {
    argv: SBATCH_ARGV,
    script: TRIVIAL('short'),
    when: 'cached',
  });

  // --- The CPU pull job: submitted, then found queued by the next submission, then the GPU job chained to it.
  const first = await findOrSubmitPullJob(recording('pull-job-submitted'), {
    imageCacheDir: CACHE,
    digest: TF,
    script: TRIVIAL('short', 30),
  });
  submitted.push(first.jobId);
  await findOrSubmitPullJob(recording('pull-job-queued'), {
    imageCacheDir: CACHE,
    digest: TF,
    script: TRIVIAL('short', 30),
  });
  const chained = await record('sbatch-dependency', {
    argv: [...SBATCH_ARGV, ...dependencyArgv(first.jobId)],
    stdin: TRIVIAL('short'),
    timeoutMs: 120_000,
  });
  submitted.push(jobIdOf(chained.stdout));
  // What prune and `cache ls` see while those jobs wait: the job comment names the image they need.
  const commented = await asUser({
    argv: [...SBATCH_ARGV, `--comment=qsc-image=${TF}`],
    stdin: TRIVIAL('short', 30),
    timeoutMs: 120_000,
  });
  submitted.push(jobIdOf(commented.stdout));
  await record('squeue-in-use', { argv: [...SQUEUE_ARGV], timeoutMs: 60_000 });
  await record('scontrol-show-job-pending', { argv: scontrolJobArgv(chained.stdout.trim()), timeoutMs: 30_000 });
  cancelAll();
  submitted.length = 0;

  // --- A pull here (warm, --pull local, import): the pull block for bash, into the cache, for real.
  rmSync(sif, { force: true });
  const { settings } = resolveSettings(
    [{ source: 'record', values: { cacheDir: CACHE } }],
    `/home/${USER}/.config/qsub-container`,
  );
  const authFile = `${CACHE}/auth.json`;
  writeFileSync(
    authFile,
    JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from(`qsc:${password}`).toString('base64') } } }),
    { mode: 0o600 },
  );
  execFileSync('chown', [`${USER}:${USER}`, authFile]);
  const reference = { registry: parseRegistry(REGISTRY), repository: 'nvidia/tensorflow', tag: '25.02-tf2-py3' };
  const image = { ...pinImage(reference, TF), authFile };
  const script = renderImagePull(readFileSync(`${ROOT}job-templates/apptainer.sbatch.mustache`, 'utf8'), settings, {
    image,
    imageCacheDir: CACHE,
    on: 'local',
  });
  await record('bash-pull-local', { argv: ['bash', '-s'], stdin: script, timeoutMs: 300_000 });
  // The same pull refused by the registry (credentials that are not the registry's).
  rmSync(`${CACHE}/${sifName(TF)}`, { force: true });
  writeFileSync(
    authFile,
    JSON.stringify({ auths: { [REGISTRY]: { auth: Buffer.from('qsc:not-the-password').toString('base64') } } }),
    { mode: 0o600 },
  );
  await record('bash-pull-local-refused', { argv: ['bash', '-s'], stdin: script, timeoutMs: 300_000 });
} finally {
  rmSync(CACHE, { recursive: true, force: true });
  cancelAll();
}
console.log(`recorded ${recorded.length} exchanges: ${recorded.join(', ')}`);
