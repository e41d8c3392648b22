// Credentials end to end as the cluster user, against both testbed registries (htpasswd :5000, token :5001):
// login/logout, every credential source, jobs that pull through Bearer tokens, refusals before anything is queued.
import { chownSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_USER,
  freshCacheDir,
  qsc,
  REGISTRY,
  REGISTRY_USER,
  registryPassword,
  runAsUser,
  sh,
  waitForJob,
  CLI,
} from '../support/cluster.js';
import { authFileFor, TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';
import { removeUserTempDirs, userTempDir as makeUserTempDir } from '../support/user-temp.js';

const uid = () => Number(sh('id', ['-u', CLUSTER_USER]));
/** A private temp dir of the cluster user, for auth files and XDG dirs that must not touch its real config. */
const userTempDir = () => makeUserTempDir('qsc-auth-e2e');
afterAll(removeUserTempDirs);
function userFile(dir: string, name: string, content: string, mode = 0o600): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode });
  chownSync(file, uid(), uid());
  return file;
}
const ECHO_CUDA = ['--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
const TF_ON_TOKEN = ['--gpu', 'tensorflow', '-p', 'gengpu', '--driver', '580.159.04', '--registry', TOKEN_REGISTRY];

describe('token registry through the CLI', () => {
  it('lists tags and picks the tag for a driver', async () => {
    const dir = userTempDir();
    const auth = userFile(dir, 'auth.json', authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc')));
    const result = await qsc(['tags', 'tensorflow', '--registry', TOKEN_REGISTRY, '--driver', '525.105.17', '--json'], {
      QSUB_CONTAINER_AUTH_FILE: auth,
      XDG_CACHE_HOME: dir,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      registry: TOKEN_REGISTRY,
      source: 'registry',
      selected: { tag: '23.01-tf2-py3' },
    });
  });

  it('submits a job whose Apptainer pulls through the token flow with the auth file named by path', async () => {
    const dir = userTempDir();
    const auth = userFile(dir, 'auth.json', authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc')));
    const env = { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: dir };
    const cacheDir = freshCacheDir('token');
    const dry = await qsc([...TF_ON_TOKEN, '--cache-dir', cacheDir, '--dry-run', ...ECHO_CUDA], env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`^    auth_file='?${auth}'?$`, 'm'));
    const result = await qsc([...TF_ON_TOKEN, '--cache-dir', cacheDir, ...ECHO_CUDA], env);
    expect(result.code, result.stderr).toBe(0);
    const run = await waitForJob(result.stdout.trim());
    expect(run.output).toContain(`pulling ${TOKEN_REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`);
    expect(run).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=12.8.0.038') });
  });

  it('login reads the password from stdin, checks it, writes a 0600 file; logout removes the entry', async () => {
    const dir = userTempDir();
    const auth = join(dir, 'conf', 'auth.json');
    const env = { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: dir };
    const login = await runAsUser([CLI, 'login', TOKEN_REGISTRY, '-u', 'qsc'], env, `${tokenPassword('qsc')}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`logged in to ${TOKEN_REGISTRY} as qsc`);
    expect(statSync(auth).mode & 0o777).toBe(0o600);
    expect(statSync(auth).uid).toBe(uid());
    const tags = await qsc(['tags', 'pytorch', '--registry', TOKEN_REGISTRY, '--driver', '580.159.04', '--json'], env);
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout)).toMatchObject({ source: 'registry' });
    const logout = await qsc(['logout', TOKEN_REGISTRY], env);
    expect(logout.code, logout.stderr).toBe(0);
    expect(JSON.parse(readFileSync(auth, 'utf8'))).toEqual({ auths: {} });
    // submit, not tags: tags answers from the offline seed when the registry refuses.
    const after = await qsc([...TF_ON_TOKEN, '--dry-run', '--', 'true'], env);
    expect(after.code).toBe(77);
    expect(after.stderr).toMatch(/requires credentials.*qsub-container login 127\.0\.0\.1:5001/);
  });

  it('login at a terminal prompts without echo (Backspace works) and stores the password typed', async () => {
    const dir = userTempDir();
    const auth = join(dir, 'auth.json');
    // A real pseudo-terminal: python's pty runs the CLI, waits for the prompt, types password + "x" + Backspace + Enter.
    const driver = [
      'import os, pty, select, sys, time',
      'typed = sys.stdin.buffer.read()',
      'pid, fd = pty.fork()',
      'if pid == 0: os.execv(sys.argv[1], sys.argv[1:])',
      'out = b""',
      'def drain(seconds):',
      '    global out',
      '    end = time.time() + seconds',
      '    while time.time() < end:',
      '        if select.select([fd], [], [], 0.1)[0]:',
      '            try: out += os.read(fd, 4096)',
      '            except OSError: return',
      'while b"Password" not in out: drain(0.2)',
      'os.write(fd, typed + b"x\\x7f\\r")',
      'drain(5)',
      'os.waitpid(pid, 0)',
      'sys.stdout.write(out.decode())',
    ].join('\n');
    const result = await runAsUser(
      ['python3', '-c', driver, CLI, 'login', TOKEN_REGISTRY, '-u', 'qsc'],
      { QSUB_CONTAINER_AUTH_FILE: auth },
      tokenPassword('qsc'),
    );
    expect(result.stdout).toContain(`Password for qsc@${TOKEN_REGISTRY}: `);
    expect(result.stdout).toContain(`logged in to ${TOKEN_REGISTRY} as qsc`);
    expect(result.stdout).not.toContain(tokenPassword('qsc'));
    expect(JSON.parse(readFileSync(auth, 'utf8'))).toEqual(
      JSON.parse(authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'))),
    );
  });

  it('login with a wrong password → 77 and writes nothing', async () => {
    const dir = userTempDir();
    const auth = join(dir, 'auth.json');
    const login = await runAsUser(
      [CLI, 'login', TOKEN_REGISTRY, '-u', 'qsc'],
      { QSUB_CONTAINER_AUTH_FILE: auth },
      'Wrong-Login-Pw-1\n',
    );
    expect(login.code).toBe(77);
    expect(login.stderr).toMatch(/refused the credentials/);
    expect(existsSync(auth)).toBe(false);
  });

  it('credentials from APPTAINER_DOCKER_* reach the job only as a 0600 file named by path', async () => {
    const dir = userTempDir();
    const env = {
      APPTAINER_DOCKER_USERNAME: 'qsc',
      APPTAINER_DOCKER_PASSWORD: tokenPassword('qsc'),
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_CACHE_HOME: dir,
    };
    const result = await qsc([...TF_ON_TOKEN, '--cache-dir', freshCacheDir('envcreds'), ...ECHO_CUDA], env);
    expect(result.code, result.stderr).toBe(0);
    const jobAuth = join(dir, 'config', 'qsub-container', 'job-auth', `${TOKEN_REGISTRY.replace(':', '_')}.json`);
    expect(statSync(jobAuth).mode & 0o777).toBe(0o600);
    expect(sh('scontrol', ['show', 'job', '-d', result.stdout.trim()])).not.toContain('APPTAINER_DOCKER');
    expect(await waitForJob(result.stdout.trim())).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=12.8.0.038'),
    });
  });

  it("reads Docker's config.json (DOCKER_CONFIG) and refuses it when others can read it", async () => {
    const dir = userTempDir();
    sh('runuser', ['-u', CLUSTER_USER, '--', 'mkdir', join(dir, 'docker')]);
    const config = userFile(
      join(dir, 'docker'),
      'config.json',
      authFileFor(REGISTRY, REGISTRY_USER, registryPassword()),
    );
    const env = {
      DOCKER_CONFIG: join(dir, 'docker'),
      QSUB_CONTAINER_AUTH_FILE: join(dir, 'none.json'),
      XDG_CACHE_HOME: dir,
    };
    const dryRun = [
      '--gpu',
      'tensorflow',
      '-p',
      'gengpu',
      '--driver',
      '580.159.04',
      '--registry',
      REGISTRY,
      '--dry-run',
      '--',
      'true',
    ];
    const ok = await qsc(dryRun, env);
    expect(ok.code, ok.stderr).toBe(0);
    sh('chmod', ['0644', config]);
    const open = await qsc(dryRun, env);
    expect(open.code).toBe(77);
    expect(open.stderr).toContain(`Hint: chmod 600 ${config}`);
  });
});

describe('refusals before anything is queued', () => {
  /** Other checkouts' tests share the queue, so "nothing queued" is checked by a unique job name, in every state
   * slurmctld still remembers (finished jobs stay listed for minutes), not by comparing the whole queue. */
  async function refused(args: string[], env: Record<string, string>, pattern: RegExp) {
    const cacheDir = freshCacheDir('refused');
    const name = `qsc-refused-${process.pid}-${Date.now()}`;
    const result = await qsc([...args, '-J', name, '--cache-dir', cacheDir, ...ECHO_CUDA], env);
    expect(result.code, result.stderr).toBe(77);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(pattern);
    expect(sh('squeue', ['--noheader', '--states=all', '--name', name, '--format=%i'])).toBe('');
    expect(readdirSync(cacheDir)).toEqual([]);
    return result.stderr;
  }

  it('a wrong password on the token registry → 77, nothing queued', async () => {
    const dir = userTempDir();
    const auth = userFile(dir, 'auth.json', authFileFor(TOKEN_REGISTRY, 'qsc', 'Wrong-Token-Pw-2'));
    const line = await refused(
      TF_ON_TOKEN,
      { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: dir },
      /refused the credentials from auth file .*Hint: /,
    );
    expect(line).not.toContain('Wrong-Token-Pw-2');
  });

  it('valid credentials without pull access to the image → 77 naming the repository', async () => {
    const dir = userTempDir();
    const auth = userFile(dir, 'auth.json', authFileFor(TOKEN_REGISTRY, 'outsider', tokenPassword('outsider')));
    await refused(
      TF_ON_TOKEN,
      { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: dir },
      /does not let user "outsider" .*pull nvidia\/tensorflow.*Hint: ask/,
    );
  });

  it('an auth file with the wrong password for :5000 → 77 even when the image is named by digest', async () => {
    const dir = userTempDir();
    const auth = userFile(dir, 'auth.json', authFileFor(REGISTRY, REGISTRY_USER, 'Wrong-Basic-Pw-3'));
    const digestRef = `${REGISTRY}/nvidia/pytorch@sha256:${'0'.repeat(64)}`;
    await refused(
      [digestRef, '-p', 'short'],
      { QSUB_CONTAINER_AUTH_FILE: auth, XDG_CACHE_HOME: dir },
      /refused the credentials/,
    );
  });
});
