// No secret leaks: with known passwords, every surface a user, admin or other job could see is searched for them
// (and their base64 forms): stdout, stderr and debug logs, rendered scripts, Slurm's view of the job, the job's
// processes' environment and argv, job output, cache and config-adjacent files, testbed logs and this repo's tests.
import { randomBytes } from 'node:crypto';
import { chownSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLI,
  CLUSTER_USER,
  freshCacheDir,
  jobFields,
  qsc,
  REGISTRY,
  REGISTRY_USER,
  registryPassword,
  runAsUser,
  sh,
  waitForJob,
} from '../support/cluster.js';
import { startRedirectingRegistry } from '../support/redirecting-registry.js';
import { TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';
import { runtimePath } from '../support/runtimes.js';
import { removeUserTempDirs, userTempDir as makeUserTempDir } from '../support/user-temp.js';

/** Made at run time: a literal here would be found in the tests themselves. */
const WRONG = `Leak-Canary-${randomBytes(8).toString('hex')}`;
const secrets = () => [
  { name: 'token-registry password', value: tokenPassword('qsc'), user: 'qsc' },
  { name: ':5000 password', value: registryPassword(), user: REGISTRY_USER },
  { name: 'wrong password', value: WRONG, user: 'qsc' },
];
/** Each secret as itself, base64 alone, and base64 of user:secret (an Authorization header or an auth file entry). */
const needles = () =>
  secrets().flatMap((s) => [
    { what: s.name, text: s.value },
    { what: `base64(${s.name})`, text: Buffer.from(s.value).toString('base64').replace(/=+$/, '') },
    { what: `base64(user:${s.name})`, text: Buffer.from(`${s.user}:${s.value}`).toString('base64').replace(/=+$/, '') },
  ]);

const surfaces: string[] = [];
/** Pull commands seen holding a secret in their environment: the one place a runtime without --authfile gets it. */
let pullCarriers = 0;
const leaks: string[] = [];
function scan(surface: string, content: string | Buffer) {
  surfaces.push(surface);
  const haystack = Buffer.isBuffer(content) ? content : Buffer.from(content);
  for (const needle of needles()) if (haystack.includes(needle.text)) leaks.push(`${needle.what} in ${surface}`);
}
function scanTree(label: string, dir: string) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) scanTree(label, path);
    else if (entry.isFile()) scan(`${label}: ${path}`, readFileSync(path));
  }
}
const uid = () => Number(sh('id', ['-u', CLUSTER_USER]));
const userTempDir = () => makeUserTempDir('qsc-leak');

/** Processes of a job: every process whose environment says SLURM_JOB_ID=<id>. */
function jobProcesses(jobId: string): Array<{ pid: string; environ: Buffer; cmdline: Buffer }> {
  const out = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // cmdline before environ: a process that exits between the two reads then shows an empty environ, never a
      // pull command's environ beside the empty cmdline of an exited process (which would look like another process).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`);
      const environ = readFileSync(`/proc/${pid}/environ`);
      if (environ.includes(`SLURM_JOB_ID=${jobId}\0`)) out.push({ pid, environ, cmdline });
    } catch {
      // gone, or a kernel thread
    }
  }
  return out;
}

/** The environment slurmctld stores for a batch job (StateSaveLocation/hash.N/job.ID/environment), while it is queued or running. */
function storedJobEnvironment(jobId: string): Buffer | undefined {
  const dir = `/var/spool/slurmctld/hash.${Number(jobId) % 10}/job.${jobId}`;
  try {
    return readFileSync(join(dir, 'environment'));
  } catch {
    return undefined;
  }
}

/** The parent pid of a process, from /proc/PID/stat (its 4th field, after the command in parentheses). */
function parentPid(pid: string): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
  } catch {
    return undefined;
  }
}

/**
 * True for the runtime's pull command and what it starts: the one process a runtime without --authfile gets the
 * credentials in, as its own variables (job-templates/_runtime.mustache: runtime_pull). What it starts is found by its
 * parents, or by working in the pull's own `.sif.partial` build directory: Apptainer's starter forks its build steps
 * (`apptainer inspect --all <partial>/tmp/build-temp-N/rootfs`) so that their parent may already be gone when looked at
 * (seen once in a full run).
 */
function inPullCommand(pid: string, cmdline: Buffer): boolean {
  // No argv at all: not a command the tool or the job starts (each has one), but a process of the runtime that cleared
  // its own or one exiting as it is read (seen once during warm on Singularity 3.8, its parent already gone).
  if (cmdline.length === 0) return true;
  if (cmdline.includes('\0pull\0--disable-cache\0')) return true;
  if (/\.sif\.partial[^\0/]*\/tmp\/build-temp-/.test(cmdline.toString())) return true;
  for (
    let p: string | undefined = parentPid(pid), hops = 1;
    p && p !== '1' && p !== '0' && hops < 30;
    p = parentPid(p), hops++
  ) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`).includes('\0pull\0--disable-cache\0')) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Until the job ends, watch Slurm's view of it and every process of it (pull phase included); then its output. With
 * `pullCarries`, the pull command's own processes may hold the credentials in their environment (and only those).
 */
async function inspectJob(label: string, jobId: string, pullCarries: boolean) {
  const stored = storedJobEnvironment(jobId);
  expect(stored, 'slurmctld keeps the job environment while the job lives').toBeDefined();
  expect(stored!.includes(`SLURM_SUBMIT_DIR`) || stored!.includes('HOME=')).toBe(true);
  scan(`${label} slurmctld job environment`, stored!);
  scan(`${label} scontrol show job -d`, sh('scontrol', ['show', 'job', '-d', jobId]));
  scan(`${label} scontrol write batch_script`, sh('scontrol', ['write', 'batch_script', jobId, '-']));
  const seen = new Map<string, string>();
  const deadline = Date.now() + 120_000;
  while (!['COMPLETED', 'FAILED', 'CANCELLED'].includes(jobFields(jobId).JobState!) && Date.now() < deadline) {
    for (const p of jobProcesses(jobId)) {
      const key = `${p.pid} ${p.cmdline.toString().replace(/\0/g, ' ').trim()}`;
      if (seen.has(key)) continue;
      seen.set(key, key);
      scan(`${label} /proc/${key} cmdline`, p.cmdline);
      if (pullCarries && inPullCommand(p.pid, p.cmdline)) {
        if (needles().some((n) => p.environ.includes(n.text))) pullCarriers++;
        continue;
      }
      scan(`${label} /proc/${key} environ`, p.environ);
      for (const name of ['APPTAINER_DOCKER_PASSWORD=', 'SINGULARITY_DOCKER_PASSWORD='])
        expect(p.environ.includes(name), `${key} has ${name}`).toBe(false);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const run = await waitForJob(jobId);
  scan(`${label} job output ${jobFields(jobId).StdOut}`, run.output);
  return { run, commands: [...seen.keys()].join('\n') };
}

/**
 * While `running` lasts, every process of the cluster user (a pull the tool runs here: warm, import, --pull local):
 * argv always, environment except the pull command's own. Returns what `running` gave.
 */
async function watchUserProcesses<T>(label: string, running: Promise<T>): Promise<T> {
  let done = false;
  void running.finally(() => (done = true)).catch(() => undefined);
  const seen = new Set<string>();
  const user = String(uid());
  while (!done) {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (statSync(`/proc/${pid}`).uid !== Number(user)) continue;
        const cmdline = readFileSync(`/proc/${pid}/cmdline`);
        const key = `${pid} ${cmdline.toString().replace(/\0/g, ' ').trim()}`;
        if (seen.has(key)) continue;
        seen.add(key);
        scan(`${label} /proc/${key} cmdline`, cmdline);
        const environ = readFileSync(`/proc/${pid}/environ`);
        if (!inPullCommand(pid, cmdline)) scan(`${label} /proc/${key} environ`, environ);
        else if (needles().some((n) => environ.includes(n.text))) pullCarriers++;
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return running;
}

/** Submit, then until the job ends watch Slurm's view of it and every process of it (pull phase included); then its output. */
async function submitAndInspect(label: string, args: string[], env: Record<string, string>, pullCarries = false) {
  const result = await qsc(
    [
      'tensorflow',
      '-p',
      'short',
      '--driver',
      '580.159.04',
      '--registry',
      TOKEN_REGISTRY,
      ...args,
      '--log-level',
      'debug',
      '--',
      'sh',
      '-c',
      'echo CUDA=$CUDA_VERSION; sleep 3',
    ],
    env,
  );
  scan(`${label} stdout`, result.stdout);
  scan(`${label} stderr (debug log)`, result.stderr);
  expect(result.code, result.stderr).toBe(0);
  const jobId = result.stdout.trim();
  const { run, commands } = await inspectJob(label, jobId, pullCarries);
  expect(commands, 'saw the batch shell pulling and the command running').toMatch(
    /pull[\s\S]*sleep 3|sleep 3[\s\S]*pull/,
  );
  expect(run.output).toContain('CUDA=12.8.0.038');
  return jobId;
}

describe('no secret leaks', () => {
  const dir = userTempDir();
  const env = { XDG_CONFIG_HOME: join(dir, 'config'), XDG_CACHE_HOME: join(dir, 'cache') };
  const authFile = join(dir, 'config', 'qsub-container', 'auth.json');
  const cacheDir = freshCacheDir('leak');

  afterAll(() => {
    removeUserTempDirs();
    // Every surface really got looked at, and none held a secret.
    expect(surfaces.length).toBeGreaterThan(20);
    expect(leaks).toEqual([]);
  });

  it('login, tags (both registries), dry runs and failing cases print no secret, at debug level', async () => {
    const login = await runAsUser(
      [CLI, 'login', TOKEN_REGISTRY, '-u', 'qsc', '--log-level', 'debug'],
      env,
      `${tokenPassword('qsc')}\n`,
    );
    scan('login stdout', login.stdout);
    scan('login stderr', login.stderr);
    expect(login.code, login.stderr).toBe(0);
    const basic = await runAsUser(
      [CLI, 'login', REGISTRY, '-u', REGISTRY_USER, '--log-level', 'debug'],
      env,
      registryPassword(),
    );
    scan('login :5000 stderr', basic.stderr);
    expect(basic.code, basic.stderr).toBe(0);
    expect(statSync(authFile)).toMatchObject({ uid: uid(), mode: expect.any(Number) });
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    // Positive control: the needles do find a secret where one legitimately is (the 0600 auth file).
    const stored = readFileSync(authFile);
    expect(
      needles()
        .filter((n) => stored.includes(n.text))
        .map((n) => n.what),
    ).toEqual(['base64(user:token-registry password)', 'base64(user::5000 password)']);

    for (const registry of [TOKEN_REGISTRY, REGISTRY]) {
      const tags = await qsc(
        ['tags', 'tensorflow', '--registry', registry, '--driver', '525.105.17', '--log-level', 'debug', '--json'],
        env,
      );
      scan(`tags ${registry} stdout`, tags.stdout);
      scan(`tags ${registry} stderr`, tags.stderr);
      expect(tags.code, tags.stderr).toBe(0);
      expect(JSON.parse(tags.stdout)).toMatchObject({ source: 'registry' });
    }
    for (const json of [[], ['--json']]) {
      const dry = await qsc(
        [
          '--gpu',
          'tensorflow',
          '-p',
          'gengpu',
          '--driver',
          '580.159.04',
          '--registry',
          TOKEN_REGISTRY,
          '--cache-dir',
          cacheDir,
          '--dry-run',
          '--log-level',
          'debug',
          ...json,
          '--',
          'true',
        ],
        env,
      );
      scan(`dry run ${json.join('')} script`, dry.stdout);
      scan(`dry run ${json.join('')} stderr`, dry.stderr);
      expect(dry.code, dry.stderr).toBe(0);
    }
    const wrongLogin = await runAsUser(
      [CLI, 'login', TOKEN_REGISTRY, '-u', 'qsc', '--log-level', 'debug'],
      { ...env, QSUB_CONTAINER_AUTH_FILE: join(dir, 'wrong.json') },
      WRONG,
    );
    scan('wrong login stdout', wrongLogin.stdout);
    scan('wrong login stderr', wrongLogin.stderr);
    expect(wrongLogin.code).toBe(77);
    const wrongEnv = { ...env, APPTAINER_DOCKER_USERNAME: 'qsc', APPTAINER_DOCKER_PASSWORD: WRONG };
    const wrongSubmit = await qsc(
      [
        'tensorflow',
        '-p',
        'short',
        '--driver',
        '580.159.04',
        '--registry',
        TOKEN_REGISTRY,
        '--cache-dir',
        cacheDir,
        '--log-level',
        'debug',
      ],
      wrongEnv,
    );
    scan('wrong submit stdout', wrongSubmit.stdout);
    scan('wrong submit stderr', wrongSubmit.stderr);
    expect(wrongSubmit.code).toBe(77);
  });

  it('a config blob the registry redirects to another host, whose 401 names a third: no secret reaches either', async () => {
    const basic = `Basic ${Buffer.from(`${REGISTRY_USER}:${registryPassword()}`).toString('base64')}`;
    const front = await startRedirectingRegistry(REGISTRY, async () => basic);
    try {
      const tags = await qsc(
        ['tags', 'tensorflow', '--registry', front.host, '--driver', '525.105.17', '--log-level', 'debug', '--json'],
        {
          ...env,
          // A tool cache of its own: config blobs cached by the tests above would spare the redirected download.
          XDG_CACHE_HOME: join(dir, 'cache-redirect'),
          APPTAINER_DOCKER_USERNAME: REGISTRY_USER,
          APPTAINER_DOCKER_PASSWORD: registryPassword(),
        },
      );
      scan('redirected tags stdout', tags.stdout);
      scan('redirected tags stderr (debug log)', tags.stderr);
      expect(tags.stderr).toContain('127.0.0.2');
      const elsewhere = front.seen.filter((s) => s.server !== 'front');
      expect(elsewhere.filter((s) => s.server === 'storage').length).toBeGreaterThan(0);
      for (const s of elsewhere) scan(`request to ${s.server} ${s.method} ${s.url}`, `${s.headers}\n${s.body}`);
      expect(elsewhere.filter((s) => s.authorization !== undefined || s.server === 'realm')).toEqual([]);
      scanTree('redirect tool cache (challenge cache, blobs)', join(dir, 'cache-redirect'));
    } finally {
      front.close();
    }
  });

  it('a real job with credentials from the auth file', async () => {
    await submitAndInspect('auth-file job', ['--cache-dir', cacheDir], env);
  });

  it('a real job with credentials from APPTAINER_DOCKER_* (copied to a 0600 file; the variables stay out of the job)', async () => {
    const envCreds = {
      ...env,
      QSUB_CONTAINER_AUTH_FILE: join(dir, 'absent.json'),
      APPTAINER_DOCKER_USERNAME: 'qsc',
      APPTAINER_DOCKER_PASSWORD: tokenPassword('qsc'),
    };
    await submitAndInspect('env-credentials job', ['--cache-dir', freshCacheDir('leak-env')], envCreds);
  });

  it("a real job on Singularity 3.8 (no --authfile): the auth file's entry reaches the pull command alone", async () => {
    await submitAndInspect(
      'singularity-3.8 job',
      ['--cache-dir', freshCacheDir('leak-old-rt')],
      { ...env, PATH: runtimePath('singularity-3.8') },
      true,
    );
  });

  it('a real job on Apptainer 1.3 with credentials from APPTAINER_DOCKER_* (the 0600 copy, read in the job)', async () => {
    const envCreds = {
      ...env,
      PATH: runtimePath('apptainer-1.3'),
      QSUB_CONTAINER_AUTH_FILE: join(dir, 'absent.json'),
      APPTAINER_DOCKER_USERNAME: 'qsc',
      APPTAINER_DOCKER_PASSWORD: tokenPassword('qsc'),
    };
    await submitAndInspect(
      'apptainer-1.3 env-credentials job',
      ['--cache-dir', freshCacheDir('leak-old-env')],
      envCreds,
      true,
    );
  });

  it('--pull slurm, warm --once, import docker:// and --pull local on Singularity 3.8: no secret outside the pull command', async () => {
    const PATH = runtimePath('singularity-3.8');
    const config = (settings: unknown) => {
      const file = join(dir, `config-${randomBytes(4).toString('hex')}.json`);
      writeFileSync(file, JSON.stringify(settings));
      chownSync(file, uid(), uid());
      return file;
    };
    const image = `${TOKEN_REGISTRY}/nvidia/pytorch:25.10-py3`;
    const debug = ['--log-level', 'debug'];

    const slurmCache = freshCacheDir('leak-old-slurm');
    const slurmConfig = config({ registry: TOKEN_REGISTRY, cacheDir: slurmCache, warm: { pullPartition: 'short' } });
    const submitted = await qsc([image, '-p', 'short', '--pull', 'slurm', '--json', ...debug, '--', 'true'], {
      ...env,
      PATH,
      QSUB_CONTAINER_CONFIG: slurmConfig,
    });
    scan('--pull slurm stdout', submitted.stdout);
    scan('--pull slurm stderr (debug log)', submitted.stderr);
    expect(submitted.code, submitted.stderr).toBe(0);
    const ids = JSON.parse(submitted.stdout) as { jobId: string; pullJobId: string };
    const pullJob = await inspectJob('singularity-3.8 pull job', ids.pullJobId, true);
    expect(pullJob.run.output).toContain('with singularity 3.8.7');
    expect((await inspectJob('singularity-3.8 job after its pull job', ids.jobId, true)).run.state).toBe('COMPLETED');

    const warmCache = freshCacheDir('leak-old-warm');
    const warmConfig = config({
      registry: TOKEN_REGISTRY,
      cacheDir: warmCache,
      cache: { minFree: '1G' },
      warm: { prune: false, targets: [{ image }] },
    });
    const warmed = await watchUserProcesses(
      'singularity-3.8 warm',
      qsc(['warm', '--once', '--json', ...debug], { ...env, PATH, QSUB_CONTAINER_CONFIG: warmConfig }),
    );
    scan('singularity-3.8 warm stdout', warmed.stdout);
    scan('singularity-3.8 warm stderr (debug log)', warmed.stderr);
    expect(warmed.code, warmed.stderr).toBe(0);
    expect(warmed.stdout).toContain('"pulled"');

    const importCache = freshCacheDir('leak-old-import');
    const imported = await watchUserProcesses(
      'singularity-3.8 import',
      qsc(['import', `docker://${image}`, '--via', 'apptainer', '--cache-dir', importCache, '--json', ...debug], {
        ...env,
        PATH,
      }),
    );
    scan('singularity-3.8 import stdout', imported.stdout);
    scan('singularity-3.8 import stderr (debug log)', imported.stderr);
    expect(imported.code, imported.stderr).toBe(0);

    const localCache = freshCacheDir('leak-old-local');
    const local = await watchUserProcesses(
      'singularity-3.8 --pull local',
      qsc([image, '-p', 'short', '--pull', 'local', '--cache-dir', localCache, ...debug, '--', 'true'], {
        ...env,
        PATH,
      }),
    );
    scan('singularity-3.8 --pull local stdout', local.stdout);
    scan('singularity-3.8 --pull local stderr (debug log)', local.stderr);
    expect(local.code, local.stderr).toBe(0);
    await waitForJob(local.stdout.trim());
    for (const cache of [slurmCache, warmCache, importCache, localCache]) scanTree('singularity-3.8 SIF cache', cache);
    // Positive control: the watch did see pull commands holding the credentials, so it looked where they were.
    expect(pullCarriers).toBeGreaterThan(0);
  });

  it('import (docker-archive exported with the auth file) prints no secret, at debug level', async () => {
    const archive = join(dir, 'image.tar');
    const copy = await runAsUser([
      'skopeo',
      'copy',
      '-q',
      '--src-tls-verify=false',
      '--src-authfile',
      authFile,
      `docker://${TOKEN_REGISTRY}/nvidia/pytorch:25.10-py3`,
      `docker-archive:${archive}:nvidia/pytorch:25.10-py3`,
    ]);
    expect(copy.code, copy.stderr).toBe(0);
    const imported = await qsc(
      [
        'import',
        archive,
        '--as',
        `${TOKEN_REGISTRY}/nvidia/pytorch:25.10-py3`,
        '--cache-dir',
        cacheDir,
        '--log-level',
        'debug',
      ],
      env,
    );
    scan('import stdout', imported.stdout);
    scan('import stderr', imported.stderr);
    expect(imported.code, imported.stderr).toBe(0);
  });

  it('warm --once (pulls through the token registry with the auth file) prints no secret, at debug level', async () => {
    const warmCache = freshCacheDir('leak-warm');
    const config = join(dir, 'warm-config.json');
    const settings = {
      registry: TOKEN_REGISTRY,
      cacheDir: warmCache,
      cache: { minFree: '1G' },
      warm: { prune: false, targets: [{ image: `${TOKEN_REGISTRY}/nvidia/pytorch:25.10-py3` }] },
    };
    writeFileSync(config, JSON.stringify(settings));
    chownSync(config, uid(), uid());
    const warmed = await qsc(['warm', '--once', '--json', '--log-level', 'debug'], {
      ...env,
      QSUB_CONTAINER_CONFIG: config,
    });
    scan('warm stdout', warmed.stdout);
    scan('warm stderr (debug log)', warmed.stderr);
    expect(warmed.code, warmed.stderr).toBe(0);
    expect(warmed.stdout).toContain('"pulled"');
    scanTree('warm SIF cache', warmCache);
  });

  it('files: the SIF cache, the tool cache (blobs, driver answers), the testbed logs, the tests', () => {
    scanTree('SIF cache', cacheDir);
    scanTree('tool cache', join(dir, 'cache'));
    scanTree('testbed logs', '/var/log/qsc-testbed');
    scanTree('tests', new URL('../', import.meta.url).pathname);
  });
});
