// Remote submission against the testbed's real OpenSSH: submit, detect, --wait, ProxyJump, agent, host keys, exit codes.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshCacheDir, jobFields, queuedJobIds, sh } from '../support/cluster.js';
import {
  acceptedLogins,
  BASTION_LOG,
  CLIENT_KEY,
  clientHome,
  fingerprint,
  HOST_PUB,
  knownHostsLine,
  logWindow,
  remoteQsc,
  removeTempDirs,
  SSH_PORT,
  SSHD_LOG,
  startCli,
  tempDir,
} from '../support/ssh.js';
import { TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';

const DRIVER = ['--driver', '580.159.04'];

afterAll(removeTempDirs);

describe('qsub-container --host over SSH', () => {
  it('login --remote stores credentials only in the cluster side file (0600, by stdin over SSH); logout --remote removes them', async () => {
    const { home } = clientHome();
    const remoteAuth = '/home/hpcuser/.config/qsub-container/auth.json';
    const original = readFileSync(remoteAuth);
    const password = tokenPassword('qsc');
    const login = (extra: string[]) =>
      remoteQsc(
        ['login', TOKEN_REGISTRY, '-u', 'qsc', '--password-stdin', '--host', 'cluster', ...extra],
        home,
        {},
        `${password}\n`,
      );
    try {
      const unasked = await login([]);
      expect(unasked.code).toBe(2);
      expect(unasked.stderr).toMatch(/needs --remote to say so/);
      expect(readFileSync(remoteAuth)).toEqual(original);

      const window = logWindow(SSHD_LOG);
      const stored = await login(['--remote']);
      expect(stored.code, stored.stderr).toBe(0);
      expect(stored.stdout).toContain(`credentials stored in ssh:hpcuser@127.0.0.1:${SSH_PORT}:${remoteAuth}`);
      expect(acceptedLogins(window())).toBe(1);
      expect(statSync(remoteAuth).mode & 0o777).toBe(0o600);
      expect(statSync(remoteAuth).uid).toBe(Number(sh('id', ['-u', 'hpcuser'])));
      const auths = (JSON.parse(readFileSync(remoteAuth, 'utf8')) as { auths: Record<string, { auth: string }> }).auths;
      expect(Buffer.from(auths[TOKEN_REGISTRY]!.auth, 'base64').toString()).toBe(`qsc:${password}`);
      expect(Object.keys(auths)).toContain('127.0.0.1:5000'); // the entries already there are kept
      // Nothing of it on the laptop side, and not in what the command printed.
      // The pattern on stdin (-f -): a password in grep's argv would itself be readable by every user.
      expect(spawnSync('grep', ['-rlF', '-f', '-', home], { input: password }).stdout.toString()).toBe('');
      expect(stored.stdout + stored.stderr).not.toContain(password);

      const removed = await remoteQsc(['logout', TOKEN_REGISTRY, '--host', 'cluster', '--remote'], home);
      expect(removed.code, removed.stderr).toBe(0);
      expect(Object.keys((JSON.parse(readFileSync(remoteAuth, 'utf8')) as { auths: object }).auths)).not.toContain(
        TOKEN_REGISTRY,
      );
    } finally {
      writeFileSync(remoteAuth, original);
    }
  });

  it('detects through one SSH connection, using the cluster side config (gpuPartition), then answers from the cache', async () => {
    const { home } = clientHome();
    const window = logWindow(SSHD_LOG);
    const probed = await remoteQsc(['detect', '--host', 'cluster', '--refresh', '--json'], home);
    expect(probed.code, probed.stderr).toBe(0);
    // No -p: the partition came from hpcuser's remote config.json ("gpuPartition": "gengpu").
    expect(JSON.parse(probed.stdout)).toEqual([
      expect.objectContaining({ partition: 'gengpu', driverVersion: '580.159.04', cached: false }),
    ]);
    expect(acceptedLogins(window()), window().join('\n')).toBe(1);

    const cached = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home);
    expect(cached.code, cached.stderr).toBe(0);
    expect(cached.stdout).toBe(
      'gengpu: driver 580.159.04 (NVIDIA H100 80GB HBM3) [cached]\n' +
        '  gpu01: driver 580.159.04 (NVIDIA H100 80GB HBM3; gpu:h100:2,gpu:v100:2), from gpu-probe\n',
    );
    expect(acceptedLogins(window())).toBe(2);
  });

  it('submits with --wait: follows states, prints the output tail, exits with the job code; arguments arrive byte for byte', async () => {
    const { home } = clientHome();
    const args = ["it's", '$(id)', '`id`', 'a b', 'line1\nline2', '!bang', '*', '"q"', '\\', 'ünï ✓', '', '--x=$HOME'];
    const window = logWindow(SSHD_LOG);
    const result = await remoteQsc(
      [
        'tensorflow',
        '--host',
        'cluster',
        '-p',
        'short',
        ...DRIVER,
        '--cache-dir',
        freshCacheDir('ssh-wait'),
        '--wait',
        '--',
        'sh',
        '-c',
        'printf "%s\\000" "$@" | od -An -tx1 -v; exit 3',
        'sh',
        ...args,
      ],
      home,
    );
    expect(result.code, result.stderr).toBe(3);
    const [jobId, ...tail] = result.stdout.split('\n');
    expect(jobId).toMatch(/^\d+$/);
    expect(result.stderr).toMatch(new RegExp(`job ${jobId} (PENDING|RUNNING)`));
    expect(result.stderr).toContain(`job ${jobId} FAILED, exit code 3`);
    expect(result.stderr).toContain('last 20 lines of /home/hpcuser/');
    const hex = tail
      .filter((l) => /^( [0-9a-f]{2})+$/.test(l))
      .join('')
      .replace(/ /g, '');
    expect(Buffer.from(hex, 'hex').toString('utf8')).toBe(args.map((a) => `${a}\0`).join(''));
    // The script named the cluster side's auth file (never a copy of the laptop's).
    expect(jobFields(jobId!).JobState).toBe('FAILED');
    expect(acceptedLogins(window())).toBe(1);
  });

  it('submits a GPU job after detection, pulling with the cluster side credentials', async () => {
    const { home } = clientHome();
    const cacheDir = freshCacheDir('ssh-gpu');
    const result = await remoteQsc(
      [
        '--gpu',
        'tensorflow',
        '--host',
        'cluster',
        '--cache-dir',
        cacheDir,
        '--wait',
        '--',
        'sh',
        '-c',
        'echo CUDA=$CUDA_VERSION',
      ],
      home,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('25.02-tf2-py3');
    expect(result.stdout).toContain('CUDA=12.8.0.038');
    const dry = await remoteQsc(
      ['--gpu', 'tensorflow', '--host', 'cluster', '--cache-dir', cacheDir, '--dry-run', '--', 'true'],
      home,
    );
    expect(dry.stdout).toContain('auth_file=/home/hpcuser/.config/qsub-container/auth.json');
    expect(dry.stdout).not.toContain(home);
  });

  it("keeps remote exit codes and stderr as data: sinfo's and sbatch's refusals read as they do locally", async () => {
    const { home } = clientHome();
    const name = `e2e-refused-${process.pid}-${Date.now()}`;
    const detect = await remoteQsc(['detect', '--host', 'cluster', '-p', 'nosuchpart', '--refresh'], home);
    expect(detect.code).toBe(68);
    expect(detect.stderr).toMatch(/partition "nosuchpart" does not exist\. Hint: partitions here: .*gengpu/);
    const submit = await remoteQsc(
      ['tensorflow', '--host', 'cluster', '-p', 'nosuchpart', '-J', name, ...DRIVER, '--', 'true'],
      home,
    );
    expect(submit.code).toBe(68);
    expect(submit.stderr).toContain(
      'sbatch refused the job: sbatch: error: Batch job submission failed: Invalid partition name specified',
    );
    expect(sh('squeue', ['--noheader', '--name', name])).toBe('');
  });

  it('Ctrl-C stops following, not the job', async () => {
    const { home } = clientHome();
    const run = startCli(
      [
        'tensorflow',
        '--host',
        'cluster',
        '-p',
        'short',
        ...DRIVER,
        '--cache-dir',
        freshCacheDir('ssh-int'),
        '--wait',
        '--',
        'sleep',
        '60',
      ],
      home,
    );
    let seen = '';
    await new Promise<void>((resolve) =>
      run.child.stderr!.on(
        'data',
        (b: Buffer) => ((seen += b.toString()), /job \d+ (PENDING|RUNNING)/.test(seen) && resolve()),
      ),
    );
    run.child.kill('SIGINT');
    const result = await run.done;
    const jobId = result.stdout.trim();
    try {
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr).toContain(
        `stopped following job ${jobId}; the job keeps running. Hint: to cancel it: ssh cluster scancel ${jobId}`,
      );
      expect(queuedJobIds()).toContain(jobId);
    } finally {
      sh('scancel', [jobId]);
    }
  });

  it('goes through a ProxyJump bastion: one connection to each sshd', async () => {
    const { home } = clientHome();
    const target = logWindow(SSHD_LOG);
    const bastion = logWindow(BASTION_LOG);
    const result = await remoteQsc(['detect', '--host', 'cluster-via-bastion', '-p', 'gpu-legacy', '--refresh'], home);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('gpu-legacy: driver 525.105.17');
    expect(acceptedLogins(bastion())).toBe(1);
    expect(acceptedLogins(target())).toBe(1);
  });

  describe('with a real ssh-agent', () => {
    // Started in beforeAll, not at collection, so a filtered run starts no agent it would never stop.
    let socket = '';
    let agentPid = 0;
    beforeAll(() => {
      socket = join(tempDir('agent'), 'agent.sock');
      agentPid = Number(
        /SSH_AGENT_PID=(\d+)/.exec(execFileSync('ssh-agent', ['-s', '-a', socket], { encoding: 'utf8' }))![1],
      );
    });
    afterAll(() => process.kill(agentPid, 'SIGTERM'));

    it('authenticates with the agent alone (a host profile with no key files)', async () => {
      execFileSync('ssh-add', [CLIENT_KEY], { env: { SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
      const { home } = clientHome({
        sshConfig: '',
        config: { hosts: { quest: { hostname: '127.0.0.1', port: SSH_PORT, user: 'hpcuser', identityFiles: [] } } },
      });
      const window = logWindow(SSHD_LOG);
      const result = await remoteQsc(['detect', '--host', 'quest', '-p', 'gengpu'], home, { SSH_AUTH_SOCK: socket });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('gengpu: driver 580.159.04');
      expect(acceptedLogins(window())).toBe(1);
      // Without the agent the same profile has nothing to offer.
      const none = await remoteQsc(['detect', '--host', 'quest', '-p', 'gengpu'], home);
      expect(none.code).toBe(77);
    });
  });
});

describe('qsub-container --host refuses what OpenSSH refuses', () => {
  it('refuses an unknown host with its SHA256 fingerprint; --accept-new-host-key adds it', async () => {
    const { home, knownHosts } = clientHome({ knownHosts: '' });
    const refused = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home);
    expect(refused.code).toBe(77);
    expect(refused.stderr).toContain(
      `host [127.0.0.1]:2222 is not known: it offers ssh-ed25519 key ${fingerprint(HOST_PUB)}`,
    );
    expect(refused.stderr).toContain('--accept-new-host-key');
    expect(readFileSync(knownHosts, 'utf8')).toBe('');

    const accepted = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu', '--accept-new-host-key'], home);
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(readFileSync(knownHosts, 'utf8')).toBe(knownHostsLine(SSH_PORT));
    expect((await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home)).code).toBe(0);
  });

  it('accepts a hashed known_hosts entry (ssh-keygen -H)', async () => {
    const { home, knownHosts } = clientHome();
    execFileSync('ssh-keygen', ['-H', '-f', knownHosts], { stdio: 'pipe' });
    expect(readFileSync(knownHosts, 'utf8')).toMatch(/^\|1\|/);
    const result = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home);
    expect(result.code, result.stderr).toBe(0);
  });

  it('refuses a changed host key, even with --accept-new-host-key', async () => {
    const dir = tempDir('otherkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
    const { home, knownHosts } = clientHome({ knownHosts: knownHostsLine(SSH_PORT, join(dir, 'k.pub')) });
    const result = await remoteQsc(
      ['tensorflow', '--host', 'cluster', '-p', 'short', ...DRIVER, '--accept-new-host-key', '--', 'true'],
      home,
    );
    expect(result.code).toBe(77);
    expect(result.stderr).toContain(
      `host key for [127.0.0.1]:2222 has CHANGED: it offers ssh-ed25519 key ${fingerprint(HOST_PUB)}`,
    );
    expect(result.stdout).toBe('');
    expect(readFileSync(knownHosts, 'utf8')).toBe(knownHostsLine(SSH_PORT, join(dir, 'k.pub')));
  });

  it('exits 77 when the server refuses the key', async () => {
    const dir = tempDir('wrongkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    const { home } = clientHome({
      sshConfig: `Host cluster\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User hpcuser\n  IdentityFile ${join(dir, 'id_ed25519')}\n`,
    });
    const result = await remoteQsc(['detect', '--host', 'cluster', '-p', 'gengpu'], home);
    expect(result.code).toBe(77);
    expect(result.stderr).toMatch(/^qsub-container: hpcuser@127\.0\.0\.1:2222 refused every SSH key offered .*Hint: /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    ['a closed port', 'hpcuser@127.0.0.1:1', {}],
    [
      'a host that never answers (connect timeout 2 s)',
      'blackhole',
      { hosts: { blackhole: { hostname: '192.0.2.1', user: 'hpcuser', connectTimeoutSeconds: 2 } } },
    ],
  ])('exits 69 quickly for %s', async (_what, host, config) => {
    const { home } = clientHome({ config });
    const result = await remoteQsc(['detect', '--host', host, '-p', 'gengpu'], home);
    expect(result.code, result.stderr).toBe(69);
    expect(result.stderr).toMatch(/^qsub-container: (cannot reach|.* did not answer within 2s)/);
    expect(result.ms).toBeLessThan(5000);
  });

  it('rejects a malformed --host before connecting', async () => {
    const { home } = clientHome();
    const result = await remoteQsc(['detect', '--host', '-oProxyCommand=x', '-p', 'gengpu'], home);
    expect(result.code).toBe(2);
  });
});
