// --host over the user's own OpenSSH client against the testbed's real sshd: same results as ssh2, ControlMaster reuse, errors, auto-selection.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, freshCacheDir, sh } from '../support/cluster.js';
import { HOSTILE_WORDS } from '../support/hostile.js';
import {
  acceptedLogins,
  CLIENT_KEY,
  clientHome,
  knownHostsLine,
  logWindow,
  remoteQsc,
  removeTempDirs,
  SSH_PORT,
  SSHD_LOG,
  tempDir,
} from '../support/ssh.js';

const DRIVER = ['--driver', '580.159.04'];

afterAll(removeTempDirs);

/**
 * A laptop for OpenSSH. The CLI runs as root with HOME set to a temp dir, but ssh reads the passwd entry's home
 * (/root), not $HOME: QSUB_CONTAINER_SSH_COMMAND points it at this home's config, whose paths are all absolute.
 */
function openSshHome(options: { knownHosts?: string; controlPath?: string } = {}) {
  const seed = clientHome(options.knownHosts === undefined ? {} : { knownHosts: options.knownHosts });
  const config = join(seed.home, '.ssh', 'config');
  writeFileSync(
    config,
    `Host cluster\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User hpcuser\n  IdentityFile ${CLIENT_KEY}\n  UserKnownHostsFile ${seed.knownHosts}\n` +
      (options.controlPath ? `  ControlPath ${options.controlPath}\n` : ''),
  );
  return { ...seed, config, env: { QSUB_CONTAINER_SSH_COMMAND: `ssh -F ${config}` } };
}

/** The job prints its argv as one hex line (NUL after each): the --wait output tail shows it whole, however long. */
const HEX_JOB = ['sh', '-c', 'printf "%s\\000" "$@" | od -An -tx1 -v | tr -d " \\n"; echo', 'sh'];
const decodedArgs = (stdout: string) =>
  Buffer.from(stdout.split('\n').find((l) => /^[0-9a-f]{40,}$/.test(l)) ?? '', 'hex').toString('utf8');

describe('--ssh-client openssh', () => {
  it('detects as the ssh2 client does', async () => {
    const laptop = openSshHome();
    const viaOpenSsh = await remoteQsc(
      ['detect', '--host', 'cluster', '-p', 'gengpu', '--refresh', '--ssh-client', 'openssh', '--log-level', 'debug'],
      laptop.home,
      laptop.env,
    );
    expect(viaOpenSsh.code, viaOpenSsh.stderr).toBe(0);
    expect(viaOpenSsh.stderr).toContain('"msg":"--host cluster: SSH client openssh (--ssh-client)"');
    const viaSsh2 = await remoteQsc(
      ['detect', '--host', 'cluster', '-p', 'gengpu', '--refresh', '--ssh-client', 'ssh2'],
      laptop.home,
      laptop.env,
    );
    expect(viaSsh2.code, viaSsh2.stderr).toBe(0);
    expect(viaOpenSsh.stdout).toBe(
      'gengpu: driver 580.159.04 (NVIDIA H100 80GB HBM3)\n' +
        '  gpu01: driver 580.159.04 (NVIDIA H100 80GB HBM3; gpu:h100:2,gpu:v100:2), from gpu-probe just now\n',
    );
    expect(viaOpenSsh.stdout).toBe(viaSsh2.stdout);
  });

  it('submits with --wait: hostile arguments arrive byte for byte, as through ssh2, and the job exit code comes back', async () => {
    const laptop = openSshHome();
    const args = [...HOSTILE_WORDS];
    const submit = (client: string) =>
      remoteQsc(
        [
          'tensorflow',
          '--host',
          'cluster',
          '--ssh-client',
          client,
          '-p',
          'short',
          ...DRIVER,
          '--cache-dir',
          freshCacheDir(`openssh-${client}`),
          '--wait',
          '--',
          ...HEX_JOB,
          ...args,
        ],
        laptop.home,
        laptop.env,
      );
    const [viaOpenSsh, viaSsh2] = await Promise.all([submit('openssh'), submit('ssh2')]);
    expect(viaOpenSsh.code, viaOpenSsh.stderr).toBe(0);
    expect(viaSsh2.code, viaSsh2.stderr).toBe(0);
    expect(viaOpenSsh.stderr).toMatch(/job \d+ COMPLETED/);
    expect(decodedArgs(viaOpenSsh.stdout)).toBe(args.map((a) => `${a}\0`).join(''));
    expect(decodedArgs(viaOpenSsh.stdout)).toBe(decodedArgs(viaSsh2.stdout));
  });

  it('keeps a remote exit code as data, and refuses cache with --host as ssh2 does', async () => {
    const laptop = openSshHome();
    const refused = await remoteQsc(
      ['detect', '--host', 'cluster', '--ssh-client', 'openssh', '-p', 'nosuchpart', '--refresh'],
      laptop.home,
      laptop.env,
    );
    expect(refused.code).toBe(68);
    expect(refused.stderr).toMatch(/partition "nosuchpart" does not exist\. Hint: partitions here: .*gengpu/);
    const cache = await remoteQsc(
      ['cache', 'ls', '--host', 'cluster', '--ssh-client', 'openssh'],
      laptop.home,
      laptop.env,
    );
    expect(cache.code).toBe(2);
    expect(cache.stderr).toContain(
      "cache takes no --host: it works on the cache's files, so it runs on the cluster. Hint: run it there: ssh cluster 'qsub-container cache ls --ssh-client openssh'",
    );
  });
});

describe('--ssh-client openssh refuses as ssh does, in one line with a hint', () => {
  it('exits 69 for an unreachable host', async () => {
    const laptop = openSshHome();
    const result = await remoteQsc(
      ['detect', '--host', 'hpcuser@127.0.0.1:1', '--ssh-client', 'openssh', '-p', 'gengpu'],
      laptop.home,
      laptop.env,
    );
    expect(result.code).toBe(69);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'qsub-container: cannot reach hpcuser@127.0.0.1:1 with ssh: connect to host 127.0.0.1 port 1: Connection refused. Hint: check the host name, port and network (VPN?); ssh -v shows where it stops\n',
    );
  });

  it('exits 77 for an unknown host key in BatchMode; --accept-new-host-key lets OpenSSH record it', async () => {
    const laptop = openSshHome({ knownHosts: '' });
    const refused = await remoteQsc(
      ['detect', '--host', 'cluster', '--ssh-client', 'openssh', '-p', 'gengpu'],
      laptop.home,
      laptop.env,
    );
    expect(refused.code).toBe(77);
    expect(refused.stderr.split('\n')).toEqual([
      expect.stringMatching(
        /^qsub-container: ssh cluster: Host key verification failed \(its key is not in known_hosts\)\. Hint: .*--accept-new-host-key$/,
      ),
      '',
    ]);
    expect(readFileSync(laptop.knownHosts, 'utf8')).toBe('');

    const accepted = await remoteQsc(
      ['detect', '--host', 'cluster', '--ssh-client', 'openssh', '-p', 'gengpu', '--accept-new-host-key'],
      laptop.home,
      laptop.env,
    );
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stderr).toContain(
      "qsub-container: ssh: Warning: Permanently added '[127.0.0.1]:2222' (ED25519) to the list of known hosts.",
    );
    expect(readFileSync(laptop.knownHosts, 'utf8')).toContain(knownHostsLine(SSH_PORT).trim());
  });
});

/** The CLI on a pseudo-terminal (script(1)), as from a user's shell; `answer` may type into it when the screen shows something. */
function onTerminal(
  command: string,
  laptop: ReturnType<typeof openSshHome>,
  answer: (screen: string, type: (text: string) => void) => void,
) {
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    env: {
      HOME: laptop.home,
      USER: 'root',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'C.UTF-8',
      TERM: 'dumb',
      ...laptop.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  child.stdout.on('data', (b: Buffer) => {
    screen += b.toString();
    answer(screen, (text) => child.stdin.write(text));
  });
  return new Promise<{ code: number | null; screen: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, screen })),
  );
}

describe('--ssh-client openssh with a terminal', () => {
  it("lets ssh ask on the terminal (no BatchMode): its host key question is answered there while the job script goes on ssh's stdin", async () => {
    const laptop = openSshHome({ knownHosts: '' });
    const name = `e2e-openssh-tty-${process.pid}-${Date.now()}`;
    // The same /dev/tty path carries password and Duo prompts; ssh has it only if it stays in our session.
    let answered = false;
    const { code, screen } = await onTerminal(
      `${CLI} tensorflow --host cluster --ssh-client openssh -p short -J ${name} ${DRIVER.join(' ')} --cache-dir ${freshCacheDir('openssh-tty')} --wait -- echo via-tty`,
      laptop,
      (text, type) => {
        if (!answered && /continue connecting \(yes\/no\/\[fingerprint\]\)\? $/.test(text)) type('yes\n');
        answered ||= /continue connecting/.test(text);
      },
    );
    expect(code, screen).toBe(0);
    expect(screen).toContain("The authenticity of host '[127.0.0.1]:2222 ([127.0.0.1]:2222)' can't be established.");
    expect(screen).toMatch(/job \d+ COMPLETED/);
    expect(screen).toContain('via-tty');
    expect(readFileSync(laptop.knownHosts, 'utf8')).toContain(knownHostsLine(SSH_PORT).trim());
  });

  it('Ctrl-C on the terminal (which ssh shares) stops following, not the job', async () => {
    const laptop = openSshHome();
    let pressed = false;
    const { code, screen } = await onTerminal(
      `${CLI} tensorflow --host cluster --ssh-client openssh -p short ${DRIVER.join(' ')} --cache-dir ${freshCacheDir('openssh-int')} --wait -- sleep 60`,
      laptop,
      (text, type) => {
        if (!pressed && /job \d+ RUNNING/.test(text)) type('\x03');
        pressed ||= /job \d+ RUNNING/.test(text);
      },
    );
    const jobId = /^(\d+)\r?$/m.exec(screen)?.[1];
    try {
      expect(code, screen).toBe(130);
      expect(screen).toContain(
        `stopped following job ${jobId}; the job keeps running. Hint: to cancel it: ssh cluster scancel ${jobId}`,
      );
      expect(sh('squeue', ['--noheader', '-j', jobId!, '-o', '%T'])).toMatch(/RUNNING|PENDING/);
    } finally {
      if (jobId) sh('scancel', [jobId]);
    }
  });
});

describe('with a live OpenSSH ControlMaster', () => {
  // Made in beforeAll, not at collection, so a filtered run starts no master it would never stop.
  let socket = '';
  let laptop: ReturnType<typeof openSshHome>;
  const ssh = (args: readonly string[]) =>
    spawnSync('ssh', ['-F', laptop.config, ...args], { stdio: 'ignore', timeout: 20_000 }).status;
  let masterLogins: () => string[];

  beforeAll(() => {
    socket = join(tempDir('cm'), 'master.sock');
    laptop = openSshHome({ controlPath: socket });
    masterLogins = logWindow(SSHD_LOG);
    // -f: ssh backgrounds itself once authenticated; stdio ignored so nothing waits on its pipes.
    expect(ssh(['-M', '-S', socket, '-o', 'ControlPersist=60', '-o', 'BatchMode=yes', '-fN', 'cluster'])).toBe(0);
    expect(ssh(['-O', 'check', 'cluster'])).toBe(0);
  });
  afterAll(() => {
    if (socket && existsSync(socket)) ssh(['-O', 'exit', 'cluster']);
  });

  it('runs three commands through the master: no authentication beyond its one', async () => {
    const name = `e2e-openssh-cm-${process.pid}-${Date.now()}`;
    const run = (args: readonly string[]) =>
      remoteQsc(['--host', 'cluster', '--ssh-client', 'openssh', ...args], laptop.home, laptop.env);
    const first = await run(['detect', '-p', 'gengpu', '--refresh']);
    const second = await run(['detect', '-p', 'gpu-legacy', '--refresh']);
    const third = await run([
      'tensorflow',
      '-p',
      'short',
      '-J',
      name,
      ...DRIVER,
      '--cache-dir',
      freshCacheDir('openssh-cm'),
      '--',
      'true',
    ]);
    try {
      for (const r of [first, second, third]) expect(r.code, r.stderr).toBe(0);
      expect(second.stdout).toContain('gpu-legacy: driver 525.105.17');
      expect(third.stdout).toMatch(/^\d+\n$/);
      expect(acceptedLogins(masterLogins()), masterLogins().join('\n')).toBe(1);
    } finally {
      if (/^\d+\n$/.test(third.stdout)) sh('scancel', [third.stdout.trim()]);
    }
  });

  it('is chosen without --ssh-client while the master is live, and ssh2 again once it is gone', async () => {
    const window = logWindow(SSHD_LOG);
    const auto = await remoteQsc(
      ['detect', '--host', 'cluster', '-p', 'gengpu', '--refresh', '--log-level', 'debug'],
      laptop.home,
      laptop.env,
    );
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr).toContain(
      'SSH client openssh (an OpenSSH ControlMaster connection to the host is live (ssh -O check))',
    );
    expect(acceptedLogins(window())).toBe(0);

    expect(ssh(['-O', 'exit', 'cluster'])).toBe(0);
    const fallback = await remoteQsc(
      ['detect', '--host', 'cluster', '-p', 'gengpu', '--refresh', '--log-level', 'debug'],
      laptop.home,
      laptop.env,
    );
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).toContain('SSH client ssh2 (the default (no live OpenSSH ControlMaster for the host))');
    expect(fallback.stdout).toBe(auto.stdout);
    expect(acceptedLogins(window())).toBe(1); // ssh2's own single connection
  });
});
