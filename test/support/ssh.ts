// SSH client sides for e2e tests: temp HOME dirs (root-owned) with their own ~/.ssh, the CLI run as root, sshd log windows.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REGISTRY, REGISTRY_USER, registryPassword, sh, type CliResult } from './cluster.js';

export const SSH_PORT = 2222;
export const BASTION_PORT = 2223;
export const CLIENT_KEY = '/var/lib/qsc-testbed/ssh/id_ed25519';
export const HOST_PUB = '/etc/qsc-testbed/ssh_host_ed25519_key.pub';
export const BASTION_PUB = '/etc/qsc-testbed/bastion_host_ed25519_key.pub';
export const SSHD_LOG = '/var/log/qsc-testbed/sshd.log';
export const BASTION_LOG = '/var/log/qsc-testbed/bastion-sshd.log';

const pubKey = (file: string) => readFileSync(file, 'utf8').split(' ').slice(0, 2).join(' ');
export const knownHostsLine = (port: number, pubFile = port === BASTION_PORT ? BASTION_PUB : HOST_PUB) =>
  `[127.0.0.1]:${port} ${pubKey(pubFile)}\n`;
/** "SHA256:..." of a public key file, as ssh-keygen prints it. */
export const fingerprint = (pubFile: string) => sh('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubFile]).split(' ')[1]!;

const tempDirs: string[] = [];

/** A temp dir removed by removeTempDirs() (homes hold a registry credential file: do not leave them behind). */
export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `qsc-${label}-`));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface ClientHome {
  readonly home: string;
  readonly knownHosts: string;
}

/**
 * A laptop: HOME with ~/.ssh/config (aliases "cluster" and "cluster-via-bastion"), known_hosts for both sshds,
 * and a registry credential file for queries made from the laptop.
 */
export function clientHome(options: { sshConfig?: string; knownHosts?: string; config?: unknown } = {}): ClientHome {
  const home = tempDir('laptop');
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  const knownHosts = join(home, '.ssh', 'known_hosts');
  writeFileSync(knownHosts, options.knownHosts ?? knownHostsLine(SSH_PORT) + knownHostsLine(BASTION_PORT));
  writeFileSync(
    join(home, '.ssh', 'config'),
    options.sshConfig ??
      `Host cluster cluster-via-bastion\n  HostName 127.0.0.1\n  Port ${SSH_PORT}\n  User hpcuser\n` +
        `Host cluster-via-bastion\n  ProxyJump bastion\nHost bastion\n  HostName 127.0.0.1\n  Port ${BASTION_PORT}\n  User hpcuser\n` +
        `Host *\n  IdentityFile ${CLIENT_KEY}\n`,
  );
  const configDir = join(home, '.config', 'qsub-container');
  mkdirSync(configDir, { recursive: true });
  const auth = Buffer.from(`${REGISTRY_USER}:${registryPassword()}`).toString('base64');
  writeFileSync(join(configDir, 'auth.json'), JSON.stringify({ auths: { [REGISTRY]: { auth } } }), { mode: 0o600 });
  chmodSync(join(configDir, 'auth.json'), 0o600);
  if (options.config !== undefined) writeFileSync(join(configDir, 'config.json'), JSON.stringify(options.config));
  return { home, knownHosts };
}

/** Start the CLI as root on the laptop side (HOME = the temp home); the caller may signal it. */
export function startCli(
  args: readonly string[],
  home: string,
  env: Record<string, string> = {},
  stdin?: string,
): { child: ChildProcess; done: Promise<CliResult & { ms: number }> } {
  const started = Date.now();
  const child = spawn(CLI, args, {
    env: { HOME: home, USER: 'root', PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', ...env },
    stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(stdin);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<CliResult & { ms: number }>((resolve) =>
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        ms: Date.now() - started,
      }),
    ),
  );
  return { child, done };
}

export const remoteQsc = (args: readonly string[], home: string, env: Record<string, string> = {}, stdin?: string) =>
  startCli(args, home, env, stdin).done;

/** Lines an sshd logs from now on: call the returned function to read what was appended since. */
export function logWindow(file: string): () => string[] {
  const start = statSync(file).size;
  // sshd -E ends its lines with CRLF.
  return () => readFileSync(file).subarray(start).toString('utf8').split(/\r?\n/).filter(Boolean);
}

/** Accepted logins with the testbed client key in a window of sshd's log: one per SSH connection. */
export const acceptedLogins = (lines: readonly string[], key = `${CLIENT_KEY}.pub`) => {
  const print = fingerprint(key);
  return lines.filter((l) => l.startsWith('Accepted publickey for hpcuser') && l.endsWith(print)).length;
};
