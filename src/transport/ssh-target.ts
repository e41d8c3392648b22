// Where --host points: "NAME" (a config host profile or an ~/.ssh/config alias) or "user@host[:port]", resolved into one SSH target.
import { expandSshPath, type SshConfigOptions } from './ssh-config.js';
import type { SshConfigFile } from './ssh-config-load.js';
import { lookupSshConfig } from './ssh-config-lookup.js';
import { parseHostArg } from './host-arg.js';

export { parseHostArg, sshCommandFor } from './host-arg.js';

/** The SSH clients that can connect to a host: the user's own OpenSSH, or the one built in (ssh2). */
export const SSH_CLIENTS = ['openssh', 'ssh2'] as const;
export type SshClient = (typeof SSH_CLIENTS)[number];

/** A host profile in config.json ("hosts": {"quest": {...}}); every field optional, ~/.ssh/config fills the rest. */
export interface HostProfile {
  readonly hostname?: string;
  readonly port?: number;
  readonly user?: string;
  readonly identityFiles?: readonly string[];
  /** false: never use ssh-agent; a string: the agent's socket; default: $SSH_AUTH_SOCK. */
  readonly agent?: boolean | string;
  /** One bastion: "user@host:port" or another profile / ssh alias. */
  readonly proxyJump?: string;
  readonly connectTimeoutSeconds?: number;
  readonly keepaliveSeconds?: number;
  /** Which SSH client connects to this host: "openssh" (the user's ssh) or "ssh2" (built in). */
  readonly sshClient?: string;
}

export interface SshEndpoint {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** Private key files to offer, in order; `defaultIdentities` marks OpenSSH's defaults (missing ones are skipped silently). */
  readonly identityFiles: readonly string[];
  readonly defaultIdentities: boolean;
  /** ssh-agent socket, or undefined for none. */
  readonly agent: string | undefined;
}

export interface SshTarget extends SshEndpoint {
  /** What the user typed, for messages. */
  readonly label: string;
  readonly jump: SshEndpoint | undefined;
  readonly connectTimeoutMs: number;
  readonly keepaliveMs: number;
  /** known_hosts files read, the first one written by --accept-new-host-key. */
  readonly knownHostsFiles: readonly string[];
}

export interface TargetEnvironment {
  readonly home: string;
  readonly localUser: string;
  readonly agentSocket: string | undefined;
  readonly profiles: Readonly<Record<string, HostProfile>>;
  /** ~/.ssh/config then /etc/ssh/ssh_config, Includes read (loadSshConfig). */
  readonly sshConfig: readonly SshConfigFile[];
  /** Told about ssh_config Match blocks skipped unevaluated (see lookupSshConfig). */
  readonly note?: (text: string) => void;
}

export type TargetResult = { readonly target: SshTarget } | { readonly error: string };

/** The ssh_config keys each profile field replaces. */
const PROFILE_SSH_KEYS: Record<keyof HostProfile, string | undefined> = {
  hostname: 'hostname',
  port: 'port',
  user: 'user',
  identityFiles: 'identityfile',
  agent: 'identityagent',
  proxyJump: 'proxyjump',
  connectTimeoutSeconds: 'connecttimeout',
  keepaliveSeconds: 'serveraliveinterval',
  sshClient: undefined,
};

function resolveEndpoint(
  arg: string,
  env: TargetEnvironment,
): { endpoint: SshEndpoint; profile: HostProfile; config: SshConfigOptions } | { error: string } {
  const parsed = parseHostArg(arg);
  if (!parsed) return { error: `malformed host ${JSON.stringify(arg)}` };
  const { name } = parsed;
  const profile = env.profiles[name] ?? {};
  const overridden = [
    ...(parsed.port === undefined ? [] : ['port']),
    ...Object.keys(profile).flatMap((k) => PROFILE_SSH_KEYS[k as keyof HostProfile] ?? []),
  ];
  const preset = { hostname: profile.hostname, user: parsed.user ?? profile.user };
  const config = lookupSshConfig(env.sshConfig, {
    alias: name,
    preset,
    overridden,
    localUser: env.localUser,
    note: env.note,
  });
  const host = profile.hostname ?? (config.hostname ? config.hostname.replace(/%h/g, name) : name);
  const port = Number(parsed.port ?? profile.port ?? config.port ?? 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return { error: `bad port in ${JSON.stringify(arg)}` };
  const user = parsed.user ?? profile.user ?? config.user ?? env.localUser;
  const tokens = { home: env.home, host, user, port, localUser: env.localUser };
  const explicit = profile.identityFiles ?? config.identityfile;
  const identityFiles = (explicit ?? ['~/.ssh/id_ed25519', '~/.ssh/id_ecdsa', '~/.ssh/id_rsa']).map((f) =>
    expandSshPath(f, tokens),
  );
  const agentSetting = profile.agent ?? config.identityagent;
  const agent =
    agentSetting === false || agentSetting === 'none'
      ? undefined
      : typeof agentSetting === 'string' && agentSetting !== 'SSH_AUTH_SOCK'
        ? expandSshPath(agentSetting.replace(/^\$SSH_AUTH_SOCK$/, env.agentSocket ?? ''), tokens) || undefined
        : env.agentSocket;
  return {
    endpoint: { host, port, user, identityFiles, defaultIdentities: explicit === undefined, agent },
    profile,
    config,
  };
}

export function resolveSshTarget(arg: string, env: TargetEnvironment): TargetResult {
  const resolved = resolveEndpoint(arg, env);
  if ('error' in resolved) return resolved;
  const { endpoint, profile, config } = resolved;
  const jumpArg = profile.proxyJump ?? config.proxyjump;
  let jump: SshEndpoint | undefined;
  if (jumpArg !== undefined && jumpArg !== 'none') {
    if (jumpArg.includes(','))
      return { error: `ProxyJump ${JSON.stringify(jumpArg)} has several hops; one bastion is supported` };
    const hop = resolveEndpoint(jumpArg, env);
    if ('error' in hop) return { error: `ProxyJump: ${hop.error}` };
    if ((hop.profile.proxyJump ?? hop.config.proxyjump ?? 'none') !== 'none')
      return { error: `ProxyJump ${jumpArg} itself jumps; one bastion is supported` };
    jump = hop.endpoint;
  }
  const seconds = (value: number | string | undefined, fallback: number) => {
    const n = Number(value ?? fallback);
    return Number.isFinite(n) && n >= 0 ? n * 1000 : fallback * 1000;
  };
  const tokens = {
    home: env.home,
    host: endpoint.host,
    user: endpoint.user,
    port: endpoint.port,
    localUser: env.localUser,
  };
  const knownHostsFiles = (
    config.userknownhostsfile?.split(/\s+/) ?? ['~/.ssh/known_hosts', '~/.ssh/known_hosts2']
  ).map((f) => expandSshPath(f, tokens));
  return {
    target: {
      ...endpoint,
      label: arg,
      jump,
      connectTimeoutMs: seconds(profile.connectTimeoutSeconds ?? config.connecttimeout, 10),
      keepaliveMs: seconds(profile.keepaliveSeconds ?? config.serveraliveinterval, 30),
      knownHostsFiles: [...knownHostsFiles, '/etc/ssh/ssh_known_hosts'],
    },
  };
}

const PROFILE_KEYS: Record<keyof HostProfile, 'string' | 'number' | 'strings' | 'agent' | 'client'> = {
  hostname: 'string',
  port: 'number',
  user: 'string',
  identityFiles: 'strings',
  agent: 'agent',
  proxyJump: 'string',
  connectTimeoutSeconds: 'number',
  keepaliveSeconds: 'number',
  sshClient: 'client',
};

/** Check the config's "hosts" object; every problem is reported, as for the rest of the config. */
export function validateHostProfiles(
  raw: unknown,
  source: string,
): { profiles: Record<string, HostProfile>; errors: string[] } {
  const errors: string[] = [];
  const profiles: Record<string, HostProfile> = {};
  if (raw === undefined) return { profiles, errors };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { profiles, errors: [`${source}: "hosts" must be an object of host profiles`] };
  for (const [name, profile] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
      errors.push(`${source}: hosts.${name} must be an object`);
      continue;
    }
    const bad = Object.entries(profile).filter(([key, value]) => {
      const kind = PROFILE_KEYS[key as keyof HostProfile];
      if (kind === 'string') return typeof value !== 'string' || value === '';
      if (kind === 'number') return typeof value !== 'number' || !Number.isFinite(value) || value < 0;
      if (kind === 'strings') return !Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '');
      if (kind === 'agent') return typeof value !== 'boolean' && (typeof value !== 'string' || value === '');
      if (kind === 'client') return !(SSH_CLIENTS as readonly unknown[]).includes(value);
      return true;
    });
    for (const [key] of bad) {
      const kind = PROFILE_KEYS[key as keyof HostProfile];
      errors.push(
        kind
          ? `${source}: hosts.${name}.${key} ${kind === 'client' ? `must be ${SSH_CLIENTS.map((c) => `"${c}"`).join(' or ')}` : 'has the wrong type'}`
          : `${source}: hosts.${name}: unknown key "${key}" (known: ${Object.keys(PROFILE_KEYS).join(', ')})`,
      );
    }
    if (bad.length === 0) profiles[name] = profile;
  }
  return { profiles, errors };
}
