// Open one authenticated SSH connection with ssh2 (loaded lazily): known_hosts checks, agent and key auth, one ProxyJump hop.
import { appendFile, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Client, ConnectConfig, AnyAuthMethod } from 'ssh2';
import { AuthError, UnavailableError } from '../errors.js';
import type { Logger } from '../log/types.js';
import {
  checkHostKey,
  fingerprintOf,
  keyTypeOf,
  knownHostsLine,
  knownHostsName,
  knownKeyTypes,
  parseKnownHosts,
  type HostKeyVerdict,
} from './known-hosts.js';
import type { SshEndpoint, SshTarget } from './ssh-target.js';
import { makeDirs } from '../state/make-dirs.js';

export interface ConnectOptions {
  /** --accept-new-host-key: trust and record a host seen for the first time (never a changed key). */
  readonly acceptNewHostKey: boolean;
  readonly log: Logger;
  readonly note: (text: string) => void;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
]);

async function readKnownHosts(files: readonly string[]) {
  const texts = await Promise.all(files.map((f) => readFile(f, 'utf8').catch(() => '')));
  return parseKnownHosts(texts.join('\n'));
}

async function authMethods(ssh: typeof import('ssh2'), endpoint: SshEndpoint, log: Logger): Promise<AnyAuthMethod[]> {
  const methods: AnyAuthMethod[] = endpoint.agent
    ? [{ type: 'agent', username: endpoint.user, agent: endpoint.agent }]
    : [];
  for (const file of endpoint.identityFiles) {
    const text = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (!endpoint.defaultIdentities) log.warn({ event: 'ssh.identity.unreadable', file, code: error.code });
      return undefined;
    });
    if (!text) continue;
    const key = ssh.utils.parseKey(text);
    // An encrypted key needs a passphrase we will not prompt for: the agent is the way to use it.
    if (key instanceof Error) log.warn({ event: 'ssh.identity.skipped', file, reason: key.message });
    else methods.push({ type: 'publickey', username: endpoint.user, key });
  }
  return methods;
}

function hostKeyError(name: string, verdict: HostKeyVerdict, blob: Buffer, files: readonly string[]): AuthError {
  const offered = `${keyTypeOf(blob)} key ${fingerprintOf(blob)}`;
  if (verdict.kind === 'changed') {
    return new AuthError(
      `host key for ${name} has CHANGED: it offers ${offered}, but ${files[0]} lists another key; refused (someone may be intercepting the connection)`,
      {
        hint: `if the host was really reinstalled, check the new fingerprint with its admins, then remove the old entry: ssh-keygen -R '${name}'`,
      },
    );
  }
  if (verdict.kind === 'revoked')
    return new AuthError(`host key for ${name} (${offered}) is marked @revoked in known_hosts; refused`);
  return new AuthError(`host ${name} is not known: it offers ${offered}`, {
    hint: `if that fingerprint is the server's (ask its admins), rerun with --accept-new-host-key to add it to ${files[0]}`,
  });
}

function connectionError(
  endpoint: SshEndpoint,
  error: Error & { level?: string; code?: string },
  timeoutMs: number,
  methods: readonly AnyAuthMethod[],
): Error {
  const where = `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
  if (error.level === 'client-authentication') {
    const files = methods.filter((m) => m.type === 'publickey').length;
    return new AuthError(
      `${where} refused every SSH key offered (${endpoint.agent ? "ssh-agent's keys and " : ''}${files} key file(s))`,
      {
        hint: "check the key is in the remote ~/.ssh/authorized_keys, or name it with IdentityFile / the host profile's identityFiles; passphrase keys must be in ssh-agent",
      },
    );
  }
  if (error.level === 'client-timeout') {
    return new UnavailableError(`${where} did not answer within ${timeoutMs / 1000}s`, {
      hint: "check the host name, port and network (VPN?); the profile's connectTimeoutSeconds sets the wait",
    });
  }
  if (error.code && UNREACHABLE.has(error.code)) {
    return new UnavailableError(`cannot reach ${where}: ${error.code}`, {
      hint: 'check the host name, port and network (VPN?)',
    });
  }
  return new UnavailableError(`SSH connection to ${where} failed: ${error.message}`, {
    hint: 'rerun with --log-level debug for the SSH exchange',
  });
}

/** Host key algorithms for key types in known_hosts; an "ssh-rsa" key signs with SHA-2 (servers refuse SHA-1). */
function hostKeyAlgorithms(knownTypes: readonly string[]): string[] {
  const supported = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'];
  return knownTypes.flatMap((t) =>
    t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256'] : supported.includes(t) ? [t] : [],
  );
}

async function connectEndpoint(
  ssh: typeof import('ssh2'),
  endpoint: SshEndpoint,
  target: SshTarget,
  options: ConnectOptions,
  sock?: NodeJS.ReadableStream,
): Promise<Client> {
  const entries = await readKnownHosts(target.knownHostsFiles);
  const name = knownHostsName(endpoint.host, endpoint.port);
  const methods = await authMethods(ssh, endpoint, options.log);
  if (methods.length === 0) {
    throw new AuthError(
      `no SSH key to offer ${endpoint.user}@${endpoint.host}: no ssh-agent and no readable identity file (${endpoint.identityFiles.join(', ')})`,
      {
        hint: 'start ssh-agent and ssh-add your key, or set IdentityFile in ~/.ssh/config or identityFiles in the host profile',
      },
    );
  }
  let refusal: AuthError | undefined;
  let newKey: Buffer | undefined;
  const client = new ssh.Client();
  const config: ConnectConfig = {
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    readyTimeout: target.connectTimeoutMs,
    keepaliveInterval: target.keepaliveMs,
    keepaliveCountMax: 3,
    authHandler: methods,
    // Ask for a key type known_hosts already has, so a host with several keys is not mistaken for a changed one.
    algorithms: {
      serverHostKey: { prepend: hostKeyAlgorithms(knownKeyTypes(entries, name)), append: [], remove: [] } as never,
    },
    hostVerifier: (blob: Buffer) => {
      const verdict = checkHostKey(entries, name, blob);
      if (verdict.kind === 'known') return true;
      if (verdict.kind === 'unknown' && options.acceptNewHostKey) {
        newKey = blob;
        return true;
      }
      refusal = hostKeyError(name, verdict, blob, target.knownHostsFiles);
      return false;
    },
    debug: (message: string) => options.log.debug({ event: 'ssh.debug', host: name, message }),
    ...(sock ? { sock: sock as never } : {}),
  };
  await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', (error) =>
      reject(refusal ?? connectionError(endpoint, error, target.connectTimeoutMs, methods)),
    );
    client.connect(config);
    // ssh2 leaves Nagle on: each small handshake packet sent before the last was acknowledged waited out the peer's
    // delayed ACK (~40 ms, twice per connection here). OpenSSH sets TCP_NODELAY too. (A tunnel stream has no such knob.)
    client.setNoDelay(true);
  });
  client.on('error', (error) => options.log.warn({ event: 'ssh.error', host: name, message: error.message }));
  if (newKey) {
    const file = target.knownHostsFiles[0]!;
    await makeDirs(dirname(file), 0o700);
    await appendFile(file, knownHostsLine(name, newKey), { mode: 0o600 });
    options.note(`qsub-container: added ${name} (${keyTypeOf(newKey)} ${fingerprintOf(newKey)}) to ${file}`);
  }
  options.log.info({ event: 'ssh.connected', host: name, user: endpoint.user });
  return client;
}

/** Connect to the target, through its bastion when it has one; closing the returned client closes both. */
export async function connectSsh(target: SshTarget, options: ConnectOptions): Promise<Client> {
  const loaded = await import('ssh2');
  const ssh = (loaded as unknown as { default?: typeof loaded }).default ?? loaded; // CommonJS: the namespace is under default
  if (!target.jump) return connectEndpoint(ssh, target, target, options);
  const bastion = await connectEndpoint(ssh, target.jump, target, options);
  try {
    const tunnel = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
      bastion.forwardOut('127.0.0.1', 0, target.host, target.port, (error, stream) =>
        error ? reject(error) : resolve(stream),
      ),
    );
    const client = await connectEndpoint(ssh, target, target, options, tunnel);
    client.once('close', () => {
      bastion.end();
      setImmediate(() => bastion.destroy()); // as for the target: do not wait for the server to close the socket
    });
    return client;
  } catch (error) {
    bastion.end();
    if (error instanceof AuthError || error instanceof UnavailableError) throw error;
    throw new UnavailableError(
      `bastion ${target.jump.host}:${target.jump.port} could not reach ${target.host}:${target.port}: ${(error as Error).message}`,
      {
        hint: 'check the target host name as the bastion resolves it, and that the bastion allows TCP forwarding',
      },
    );
  }
}
