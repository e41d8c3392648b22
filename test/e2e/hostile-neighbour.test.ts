// The shared cache against a hostile neighbour (issue 13): mallory, a second user in the cache's group, attacks the
// cache the cluster user (the victim) runs from; each test is one finding of the review, and the victim is protected.
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  chownSync,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_USER,
  E2E_RUN_ID,
  freshCacheDir,
  qsc,
  REGISTRY,
  runAsUser,
  SHARED_CACHE,
  sh,
  waitForJob,
} from '../support/cluster.js';
import { asNeighbour, NEIGHBOUR, runAsNeighbour } from '../support/neighbour.js';
import { clientHome, remoteQsc, removeTempDirs as removeSshTempDirs } from '../support/ssh.js';
import { TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';
import { ownRepository, pushLines, removeTempDirs, warmEnv } from '../support/warm.js';

const TF = 'CUDA_VERSION=12.8.0.038 CUDA_DRIVER_VERSION=570.86.10 NVIDIA_TENSORFLOW_VERSION=25.02';
const SAY = ['--', 'sh', '-c', 'echo "marker=$QSC_TEST"'];
const victimRepo = ownRepository('victim');
const neighbourRepo = ownRepository('neighbour');
const VICTIM_MARK = `marker=${victimRepo}`;
const NEIGHBOUR_MARK = `marker=${neighbourRepo}`;
const owner = (path: string) => sh('stat', ['-c', '%U', path]).trim();
const mode = (path: string) => (statSync(path).mode & 0o7777).toString(8);

/** A cache directory an admin made (root, the cache's group, setgid, not sticky): the victim cannot chmod it. */
function adminCacheDir(label: string, dirMode = '2775'): string {
  const dir = `${SHARED_CACHE}/test-${label}-run${E2E_RUN_ID}-${process.pid}-${Date.now()}`;
  sh('install', ['-d', '-o', 'root', '-g', CLUSTER_USER, '-m', dirMode, dir]);
  return dir;
}

const jsonOf = (text: string) =>
  JSON.parse(text.slice(text.indexOf('{\n'), text.indexOf('\n}') + 2)) as {
    jobId: string;
    digest: string;
    pullJobId: string | null;
  };
const sifOf = (dir: string, digest: string) => `${dir}/sha256-${digest.slice(7)}.sif`;
const metaOf = (dir: string, digest: string) => `${dir}/sha256-${digest.slice(7)}.json`;

/** Her own SIF (another image, printing her marker) in the cache directory, with a sidecar claiming it. */
let neighbourSif = '';
async function plantHers(dir: string, name: string): Promise<string> {
  const path = `${dir}/${name}`;
  const made = await runAsNeighbour(['cp', neighbourSif, path]);
  expect(made.code, made.stderr).toBe(0);
  return path;
}
/** The sidecar she writes for her file at the victim's digest, so the size check of old versions agrees. */
async function forgeSidecar(dir: string, digest: string): Promise<void> {
  const size = statSync(neighbourSif).size;
  const sidecar = JSON.stringify({ digest, source: 'x', cudaVersion: '12.8.0.038', cudaDriverVersion: null, size });
  await runAsNeighbour(['sh', '-c', 'rm -f "$1"; cat >"$1"', 'sh', metaOf(dir, digest)], {}, sidecar);
}

async function submitAndRun(args: readonly string[], env: Record<string, string>) {
  const submitted = await qsc([...args, '--json', ...SAY], env);
  if (submitted.code !== 0) return { submitted, output: '' };
  const run = await waitForJob(jsonOf(submitted.stdout).jobId);
  return { submitted, output: run.output, state: run.state };
}

let env: Record<string, string>;
let digest = '';
const victimArgs = (dir: string) => [`${REGISTRY}/${victimRepo}:25.02-tf2-py3`, '-p', 'short', '--cache-dir', dir];

beforeAll(async () => {
  pushLines([
    `${victimRepo} 25.02-tf2-py3 ${TF} QSC_TEST=${victimRepo}`,
    `${neighbourRepo} 25.02-tf2-py3 ${TF} QSC_TEST=${neighbourRepo}`,
  ]);
  env = warmEnv({ registry: REGISTRY, cache: { minFree: '1G', group: CLUSTER_USER } });
  // Her SIF: the other image, pulled by the victim's tool into a scratch cache, copied into her home as hers.
  const scratch = freshCacheDir('neighbour-src');
  const pulled = await qsc(
    [
      `${REGISTRY}/${neighbourRepo}:25.02-tf2-py3`,
      '-p',
      'short',
      '--cache-dir',
      scratch,
      '--pull',
      'local',
      '--json',
      ...SAY,
    ],
    env,
  );
  expect(pulled.code, pulled.stderr).toBe(0);
  neighbourSif = `/home/${NEIGHBOUR}/evil-${process.pid}.sif`;
  copyFileSync(sifOf(scratch, jsonOf(pulled.stdout).digest), neighbourSif);
  chownSync(neighbourSif, Number(sh('id', ['-u', NEIGHBOUR]).trim()), Number(sh('id', ['-g', NEIGHBOUR]).trim()));
  const probe = await qsc([...victimArgs(scratch), '--dry-run', '--json', ...SAY], env);
  digest = jsonOf(probe.stdout).digest;
}, 300_000);

afterAll(() => {
  rmSync(neighbourSif, { force: true });
  for (const id of herJobs) sh('scancel', [id]);
  for (const path of preciousFiles) rmSync(path, { force: true });
  removeTempDirs();
  removeSshTempDirs();
});

/** Jobs she queued, cancelled at the end. */
const herJobs: string[] = [];
/** A fresh image (its own digest) of this run's, and that digest. */
async function freshImage(label: string): Promise<{ ref: string; digest: string; mark: string }> {
  const repository = ownRepository(label);
  pushLines([`${repository} 25.02-tf2-py3 ${TF} QSC_TEST=${repository}`]);
  const ref = `${REGISTRY}/${repository}:25.02-tf2-py3`;
  const probe = await qsc([ref, '-p', 'short', '--dry-run', '--json', ...SAY], env);
  expect(probe.code, probe.stderr).toBe(0);
  return { ref, digest: jsonOf(probe.stdout).digest, mark: `marker=${repository}` };
}
/** A file of the victim's that symlinks point at: it must stay as it is. */
const preciousFiles: string[] = [];
function precious(): string {
  const path = `/home/${CLUSTER_USER}/precious-${process.pid}-${Date.now()}.txt`;
  preciousFiles.push(path);
  sh('runuser', ['-u', CLUSTER_USER, '--', 'sh', '-c', `umask 022; printf 'precious\\n' > '${path}'`]);
  return path;
}
const unchanged = (path: string) => {
  expect(readFileSync(path, 'utf8')).toBe('precious\n');
  expect(mode(path)).toBe('644');
  expect(owner(path)).toBe(CLUSTER_USER);
};
/** She plants symlinks to `target` at `names`, each with {} replaced by every number from `from` to `to`. */
async function spray(names: readonly string[], from: number, to: number, target: string): Promise<void> {
  const script =
    'my ($t, $a, $b, @n) = @ARGV; for my $i ($a .. $b) { for (@n) { (my $p = $_) =~ s/\\{\\}/$i/g; symlink $t, $p } }';
  const made = await runAsNeighbour(['perl', '-e', script, target, String(from), String(to), ...names]);
  expect(made.code, made.stderr).toBe(0);
}
const lastPid = () => Number(readFileSync('/proc/sys/kernel/ns_last_pid', 'utf8'));
/** The next job IDs: a job of hers now, and the IDs after it. */
async function nextJobId(): Promise<number> {
  const job = await runAsNeighbour(['sbatch', '--parsable', '-p', 'short', '-o', '/dev/null', '--wrap', 'true']);
  expect(job.code, job.stderr).toBe(0);
  return Number(job.stdout.trim()) + 1;
}

describe('finding 1: the cache trusts an image by content and owner, not by name', () => {
  it('publishes read-only files with the SIF sha256, and makes a cache directory of its own sticky', async () => {
    const dir = freshCacheDir('neighbour-publish');
    const { submitted, output } = await submitAndRun([...victimArgs(dir), '--pull', 'local'], env);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(output).toContain(VICTIM_MARK);
    const sif = sifOf(dir, digest);
    expect(mode(sif)).toBe('444');
    expect(mode(metaOf(dir, digest))).toBe('644');
    expect(mode(dir)).toBe('3775'); // setgid and sticky
    const sidecar = JSON.parse(readFileSync(metaOf(dir, digest), 'utf8')) as { sha256: string; file: string };
    expect(sidecar.sha256).toBe(sh('sha256sum', [sif]).split(' ')[0]);
    const s = statSync(sif);
    expect(sidecar.file).toBe(`${s.ino}:${s.size}:${Math.floor(s.mtimeMs / 1000)}`);
    // She can neither write into the victim's SIF nor rename hers over it, nor remove it.
    expect((await runAsNeighbour(['sh', '-c', `cat '${neighbourSif}' > '${sif}'`])).code).not.toBe(0);
    const hers = await plantHers(dir, `.hers-${process.pid}`);
    expect((await runAsNeighbour(['mv', '-f', hers, sif])).code).not.toBe(0);
    expect((await runAsNeighbour(['rm', '-f', sif])).code).not.toBe(0);
    expect(owner(sif)).toBe(CLUSTER_USER);
  });

  it('a SIF she renamed over the digest’s name (with a forged sidecar) is set aside at submit and pulled again', async () => {
    const dir = adminCacheDir('neighbour-replace');
    expect((await submitAndRun([...victimArgs(dir), '--pull', 'local'], env)).output).toContain(VICTIM_MARK);
    const hers = await plantHers(dir, `.hers-${process.pid}`);
    expect((await runAsNeighbour(['mv', '-f', hers, sifOf(dir, digest)])).code).toBe(0); // not sticky: she may
    await forgeSidecar(dir, digest);

    const { submitted, output } = await submitAndRun(victimArgs(dir), env);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stderr).toContain(`belongs to ${NEIGHBOUR}, who is not a trusted writer`);
    expect(output).toContain(VICTIM_MARK);
    expect(output).not.toContain(NEIGHBOUR_MARK);
    expect(owner(sifOf(dir, digest))).toBe(CLUSTER_USER);
  });

  it('a symlink she plants after the submission is refused by the job itself, which pulls again', async () => {
    const dir = adminCacheDir('neighbour-symlink');
    expect((await submitAndRun([...victimArgs(dir), '--pull', 'local'], env)).output).toContain(VICTIM_MARK);
    // The job script as submitted; she strikes between the submission and the job's start.
    const script = (await qsc([...victimArgs(dir), '--dry-run', ...SAY], env)).stdout;
    const hers = await plantHers(dir, `.hers-${process.pid}`);
    const sif = sifOf(dir, digest);
    expect((await runAsNeighbour(['sh', '-c', `rm -f '${sif}' && ln -s '${hers}' '${sif}'`])).code).toBe(0);
    await forgeSidecar(dir, digest);

    const queued = await runAsUser(['sbatch', '--parsable'], {}, script);
    expect(queued.code, queued.stderr).toBe(0);
    const run = await waitForJob(queued.stdout.trim());
    expect(run.output).toContain('is a symbolic link, not a regular file');
    expect(run.output).toContain(VICTIM_MARK);
    expect(run.output).not.toContain(NEIGHBOUR_MARK);
    expect(statSync(sif).isFile() && owner(sif)).toBe(CLUSTER_USER);
  });

  it('a SIF she overwrote in place (a group-writable file from an older version) is not run', async () => {
    const dir = adminCacheDir('neighbour-overwrite');
    expect((await submitAndRun([...victimArgs(dir), '--pull', 'local'], env)).output).toContain(VICTIM_MARK);
    const sif = sifOf(dir, digest);
    const script = (await qsc([...victimArgs(dir), '--dry-run', ...SAY], env)).stdout;
    sh('chmod', ['g+w', sif, metaOf(dir, digest)]); // as older versions published it
    const wrote = await runAsNeighbour(['sh', '-c', `cat '${neighbourSif}' > '${sif}'`]);
    expect(wrote.code, wrote.stderr).toBe(0);
    sh('chmod', ['g-w', sif, metaOf(dir, digest)]); // even once the modes are fixed, its content is not what was published

    const queued = await runAsUser(['sbatch', '--parsable'], {}, script);
    const run = await waitForJob(queued.stdout.trim());
    expect(run.output).toMatch(/its sha256 [0-9a-f]{64} is not the [0-9a-f]{64} recorded when it was published/);
    expect(run.output).toContain(VICTIM_MARK);
    expect(run.output).not.toContain(NEIGHBOUR_MARK);
  });

  it('her file at a digest’s name in a sticky cache, which the victim cannot remove, is refused: nothing runs', async () => {
    const dir = adminCacheDir('neighbour-sticky', '3775'); // as the README asks admins to make it
    await plantHers(dir, `sha256-${digest.slice(7)}.sif`);
    await forgeSidecar(dir, digest);
    const result = await qsc([...victimArgs(dir), ...SAY], env);
    expect(result.code).toBe(65);
    expect(result.stderr).toContain(`belongs to ${NEIGHBOUR}, who is not a trusted writer of this cache`);
    expect(existsSync(`${dir}/quarantine`) ? readdirSync(`${dir}/quarantine`) : []).toEqual([]);
  });
});

describe('finding 2: temporary names are never followed', () => {
  it('symlinks at every temporary name of the job, a pull job and the warmer leave the victim’s file unchanged', async () => {
    const file = precious();
    const dir = adminCacheDir('neighbour-temp');
    const job = await freshImage('tempjob');
    const warmed = await freshImage('tempwarm');
    const host = sh('hostname').trim();
    const pid = lastPid();
    for (const { digest: d } of [job, warmed]) {
      const sif = sifOf(dir, d);
      await spray([`${metaOf(dir, d)}.partial.{}`, `${sif}.partial.${host}.{}`], pid, pid + 4000, file);
      await spray([`${sif}.lock`, `${sif}.submit.lock`], 0, 0, file);
    }
    // The pull job's output names: in .logs, and in a .logs/<victim> she made first.
    const jobId = await nextJobId();
    expect((await runAsNeighbour(['mkdir', '-p', `${dir}/.logs/${CLUSTER_USER}`])).code).toBe(0);
    await spray([`${dir}/.logs/pull-{}.out`, `${dir}/.logs/${CLUSTER_USER}/pull-{}.out`], jobId, jobId + 40, file);
    const pullEnv = warmEnv({
      registry: REGISTRY,
      cache: { minFree: '1G', group: CLUSTER_USER },
      warm: { pullPartition: 'short', pullTime: '00:10:00', targets: [{ image: warmed.ref }] },
    });

    const chained = await qsc(
      [job.ref, '-p', 'short', '--cache-dir', dir, '--pull', 'slurm', '--wait', ...SAY],
      pullEnv,
    );
    expect(chained.code, chained.stderr).toBe(0);
    expect(await waitForJob(chained.stderr.match(/submitted job (\d+)/)![1]!)).toMatchObject({
      output: expect.stringContaining(job.mark),
    });
    const warm = await qsc(['warm', '--once', '--cache-dir', dir], pullEnv);
    expect(warm.code, warm.stderr).toBe(0);
    expect(statSync(sifOf(dir, warmed.digest)).isFile()).toBe(true);
    unchanged(file);
  });

  it('login --remote’s temporary file: symlinks at its guessable names leave the victim’s file unchanged', async () => {
    const file = precious();
    const configDir = `/home/${CLUSTER_USER}/.config/qsub-container`;
    const remoteAuth = `${configDir}/auth.json`;
    const original = readFileSync(remoteAuth);
    const dirMode = mode(configDir);
    const { home } = clientHome();
    sh('chmod', ['g+w', configDir]); // a config directory made under a group-friendly umask
    try {
      const pid = lastPid();
      await spray([`${remoteAuth}.tmp.{}`], pid, pid + 4000, file);
      const stored = await remoteQsc(
        ['login', TOKEN_REGISTRY, '-u', 'qsc', '--password-stdin', '--host', 'cluster', '--remote'],
        home,
        {},
        `${tokenPassword('qsc')}\n`,
      );
      expect(stored.code, stored.stderr).toBe(0);
      unchanged(file);
      expect(mode(remoteAuth)).toBe('600');
    } finally {
      sh('sh', ['-c', `find '${configDir}' -maxdepth 1 -type l -name 'auth.json.tmp.*' -delete`]);
      sh('chmod', [dirMode, configDir]);
      // Whatever is at the name now (a symlink of hers, where the temporary name was followed), the file comes back.
      rmSync(remoteAuth, { force: true });
      writeFileSync(remoteAuth, original, { mode: 0o600 });
      sh('chown', [`${CLUSTER_USER}:${CLUSTER_USER}`, remoteAuth]);
    }
  });
});

describe('finding 5: another user cannot take over the shared pull job', () => {
  it('a held job she queued under the pull job’s name is not waited on: the victim’s job depends on its own', async () => {
    const dir = freshCacheDir('neighbour-pulljob');
    const image = await freshImage('pulljob');
    const sum = sh('sh', ['-c', 'printf %s "$1" | cksum | cut -d" " -f1', 'sh', dir]).trim();
    const name = `qsc-pull-${image.digest.slice(7)}-${sum}`;
    const hers = await runAsNeighbour([
      'sbatch',
      '--parsable',
      '--hold',
      '-p',
      'short',
      '-J',
      name,
      '-o',
      '/dev/null',
      '--wrap',
      'sleep 600',
    ]);
    expect(hers.code, hers.stderr).toBe(0);
    const herId = hers.stdout.trim();
    herJobs.push(herId);
    const pullEnv = warmEnv({
      registry: REGISTRY,
      cache: { minFree: '1G' },
      warm: { pullPartition: 'short', pullTime: '00:10:00' },
    });

    const submitted = await qsc(
      [image.ref, '-p', 'short', '--cache-dir', dir, '--pull', 'slurm', '--json', ...SAY],
      pullEnv,
    );
    expect(submitted.code, submitted.stderr).toBe(0);
    const { jobId, pullJobId } = jsonOf(submitted.stdout);
    expect(pullJobId).not.toBe(herId);
    expect(submitted.stderr).not.toContain(`waiting for pull job ${herId}`);
    expect(sh('scontrol', ['show', 'job', jobId])).not.toContain(herId);
    expect(await waitForJob(jobId)).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining(image.mark) });
  });
});

describe('finding 6: a lock without a time limit', () => {
  it('a lock she holds forever costs a pull cache.lockWaitSeconds, then exit 75 with a sentence; the warmer’s tick ends too', async () => {
    const dir = adminCacheDir('neighbour-lock');
    const image = await freshImage('lock');
    const lock = `${sifOf(dir, image.digest)}.lock`;
    const run = asNeighbour(['flock', lock, 'sleep', '300']);
    const holder = spawn(run.command, run.args, { env: run.env, detached: true, stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && spawnSync('flock', ['-n', lock, 'true']).status === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(spawnSync('flock', ['-n', lock, 'true']).status).not.toBe(0);
      const lockEnv = warmEnv({
        registry: REGISTRY,
        cache: { minFree: '1G', lockWaitSeconds: 3 },
        warm: { targets: [{ image: image.ref }] },
      });
      const started = Date.now();
      const here = await qsc([image.ref, '-p', 'short', '--cache-dir', dir, '--pull', 'local', ...SAY], lockEnv);
      expect(here.code, here.stderr).toBe(75);
      expect(here.stderr).toContain('waited 3s for the lock');
      const submitted = await qsc(
        [image.ref, '-p', 'short', '--cache-dir', dir, '--pull', 'job', '--json', ...SAY],
        lockEnv,
      );
      expect(submitted.code, submitted.stderr).toBe(0);
      const job = await waitForJob(jsonOf(submitted.stdout).jobId);
      expect(job.state).toBe('FAILED');
      expect(job.output).toContain('waited 3s for the lock');
      expect(job.output).not.toContain(image.mark);
      const warm = await qsc(['warm', '--once', '--cache-dir', dir], lockEnv);
      expect(warm.code).toBe(75);
      expect(Date.now() - started).toBeLessThan(90_000);
    } finally {
      process.kill(-holder.pid!, 'SIGTERM');
    }
  });
});

describe('finding 7: denial of service in shared places', () => {
  it('her .warm.lock holding no JSON, kept fresh, her directory at a partial’s name and her .tmp/<victim> stop neither the warmer nor a pull', async () => {
    const dir = freshCacheDir('neighbour-dos');
    const image = await freshImage('dos');
    const partial = `${sifOf(dir, image.digest)}.partial.${sh('hostname').trim()}.12345.AbCdEf`;
    const planted = await runAsNeighbour([
      'sh',
      '-c',
      `echo garbage > '${dir}/.warm.lock' && mkdir -p '${partial}' '${dir}/.tmp/${CLUSTER_USER}' && echo x > '${partial}/image.sif' && touch -d '3 days ago' '${partial}/image.sif' '${partial}'`,
    ]);
    expect(planted.code, planted.stderr).toBe(0);
    const warmEnvDos = warmEnv({
      registry: REGISTRY,
      cache: { minFree: '1G' },
      warm: { targets: [{ image: image.ref }] },
    });
    const warm = await qsc(['warm', '--once', '--cache-dir', dir], warmEnvDos);
    expect(warm.code, warm.stderr).toBe(0);
    expect(statSync(sifOf(dir, image.digest)).isFile()).toBe(true);
    const job = await submitAndRun([image.ref, '-p', 'short', '--cache-dir', dir], env);
    expect(job.output).toContain(image.mark);
  });
});
