// Registry credentials from their sources in a documented order, and the 0600 files that hold them (tool's, job's).
import { join } from 'node:path';
import { lstat, readFile, unlink } from '../state/fs-async.js';
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';
import { writeFileAtomic } from '../state/json-file.js';
import { createLocalRunner } from '../transport/local-runner.js';
import type { Runner } from '../transport/runner.js';
import { entryFor, formatAuthFile, parseAuthFile, withEntry, withoutEntry, type AuthFileJson } from './auth-file.js';
import type { RegistryCredentials } from './client.js';
import {
  enrootCredentialsFile,
  modeOf,
  otherCredentialFiles,
  readDockerFormatFile,
  readEnrootFile,
  tooOpen,
} from './other-credentials.js';
import { parseRegistry } from './reference.js';
import { withoutCredentialEnv } from './secret-env.js';
import { makeDirs } from '../state/make-dirs.js';

export { otherCredentialFiles } from './other-credentials.js';

export interface FoundCredentials extends RegistryCredentials {
  /** The tool's own auth file, which the job may name as it is; or anywhere else, which it may not see. */
  readonly origin: 'tool-file' | 'elsewhere';
  /** The file they were read from; undefined when they came from the environment. */
  readonly file: string | undefined;
}

export interface CredentialPaths {
  /** The tool's own auth file (settings.authFile). */
  readonly toolFile: string;
  readonly home: string;
  /**
   * The configured registry (settings.registry: --registry, QSUB_CONTAINER_REGISTRY or the config's "registry"; unset
   * means nvcr.io): the one registry APPTAINER_DOCKER_* and SINGULARITY_DOCKER_* are used for.
   */
  readonly registry?: string | undefined;
  /**
   * Runs credential helpers (docker-credential-NAME) on this machine; by default a local runner whose environment
   * lacks the registry credential variables. Never the SSH runner: the registry is queried from here.
   */
  readonly helperRunner?: Runner;
}

/** The registry a frameworks' images come from when none is configured (config/resolve.ts: registry). */
const DEFAULT_REGISTRY = 'nvcr.io';

/**
 * Environment pairs in order. They name no registry, and Apptainer itself sends them to any: here they count for the
 * configured registry only, so `someone/img` (Docker Hub) never receives an NGC key put there. NGC_API_KEY counts for
 * nvcr.io only, with the literal user $oauthtoken.
 */
const ENV_PAIRS = [
  ['APPTAINER_DOCKER_USERNAME', 'APPTAINER_DOCKER_PASSWORD'],
  ['SINGULARITY_DOCKER_USERNAME', 'SINGULARITY_DOCKER_PASSWORD'],
] as const;

/**
 * Credentials from the environment for `host` (pure: env is passed in); a half-set pair is an error, not a silent
 * skip. `registry` is the configured registry's host, the only one the APPTAINER_/SINGULARITY_DOCKER_* pairs serve.
 */
export function environmentCredentials(
  env: Readonly<Record<string, string | undefined>>,
  host: string,
  registry: string = DEFAULT_REGISTRY,
): FoundCredentials | undefined {
  for (const [userVar, passwordVar] of host === registry ? ENV_PAIRS : []) {
    const username = env[userVar];
    const password = env[passwordVar];
    if (username === undefined && password === undefined) continue;
    if (!password || username === undefined) {
      throw new AuthError(`${password ? userVar : passwordVar} is not set but ${password ? passwordVar : userVar} is`, {
        hint: `set both, or neither${host === 'nvcr.io' ? `; for nvcr.io: ${userVar}='$oauthtoken' (single quotes) and ${passwordVar}=<NGC API key>, or just NGC_API_KEY` : ''}`,
      });
    }
    return {
      username,
      password: new Secret(password),
      source: `environment (${userVar}/${passwordVar}, for the configured registry ${registry})`,
      origin: 'elsewhere',
      file: undefined,
    };
  }
  if (host === 'nvcr.io' && env.NGC_API_KEY) {
    return {
      username: '$oauthtoken',
      password: new Secret(env.NGC_API_KEY),
      source: 'environment (NGC_API_KEY)',
      origin: 'elsewhere',
      file: undefined,
    };
  }
  return undefined;
}

/**
 * The first credentials for `host`, in the order README ("Registry credentials") documents: the environment (scoped:
 * see environmentCredentials), the tool's auth file, Docker's config.json (its helpers, identity tokens and entries),
 * Apptainer's and Singularity's docker-config.json, podman's auth.json files, enroot's credentials file. The tool's
 * file is refused unread when group/world-readable; another file is refused when it is that open and holds an entry
 * for the host.
 */
export async function findCredentials(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
  paths: CredentialPaths,
): Promise<FoundCredentials | undefined> {
  const configured = paths.registry ? parseRegistry(paths.registry).host : DEFAULT_REGISTRY;
  const fromEnv = environmentCredentials(env, host, configured);
  if (fromEnv) return fromEnv;
  const own = await readCredentials(paths.toolFile, host);
  if (own) return own;
  const runner = paths.helperRunner ?? createLocalRunner(withoutCredentialEnv(env));
  for (const file of otherCredentialFiles(env, paths.home)) {
    const found = await readDockerFormatFile(file, host, runner);
    if (found) return found;
  }
  return readEnrootFile(enrootCredentialsFile(env, paths.home), host, env);
}

/** Credentials for `host` from one file (by default the tool's), or undefined when the file or its entry does not exist. */
export async function readCredentials(
  file: string,
  host: string,
  options = { refuseOpenUnread: true },
): Promise<FoundCredentials | undefined> {
  const mode = await modeOf(file);
  if (mode === undefined) return undefined;
  if (options.refuseOpenUnread && (mode & 0o077) !== 0) throw tooOpen(file, mode);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    // Docker's or Apptainer's file we cannot read is simply not a source; the tool's own file must be readable.
    if (!options.refuseOpenUnread) return undefined;
    throw new AuthError(`cannot read credential file ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      hint: `it must be a file you own with mode 0600: chmod 600 ${file}`,
    });
  }
  const entry = entryFor(parseAuthFile(text, file), host, file);
  if (!entry) return undefined;
  if ((mode & 0o077) !== 0) throw tooOpen(file, mode);
  return { ...entry, source: `auth file ${file}`, origin: 'tool-file', file };
}

async function readForUpdate(file: string): Promise<AuthFileJson> {
  const mode = await modeOf(file);
  if (mode === undefined) return {};
  if ((mode & 0o077) !== 0) throw tooOpen(file, mode);
  return parseAuthFile(await readFile(file, 'utf8'), file);
}

async function writePrivate(file: string, json: AuthFileJson): Promise<void> {
  await makeDirs(join(file, '..'), 0o700);
  await writeFileAtomic(file, formatAuthFile(json), 0o600);
}

/**
 * The job's copy lives in a directory only its owner may change: a real directory (not a symlink), owned by this user,
 * not writable by group or others, and so its parent; otherwise another user could swap the file the job names.
 */
async function checkPrivateDirectory(dir: string): Promise<void> {
  for (const d of [join(dir, '..'), dir]) {
    const st = await lstat(d);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      throw new AuthError(
        `${d} must be a directory of yours that only you can write (it holds the job's credentials)`,
        {
          hint: `chmod 700 ${d}, or remove it and let qsub-container make it`,
        },
      );
    }
  }
}

/** `login`: add or replace the host's entry in the tool's file, written atomically with mode 0600. */
export async function saveCredentials(file: string, host: string, username: string, password: Secret): Promise<void> {
  await writePrivate(file, withEntry(await readForUpdate(file), host, username, password));
}

/** `logout`: drop the host's entry; false when there was none. */
export async function removeCredentials(file: string, host: string): Promise<boolean> {
  const { json, removed } = withoutEntry(await readForUpdate(file), host);
  if (removed) await writePrivate(file, json);
  return removed;
}

/** Where the job's copy of credentials that live outside the tool's file is kept: one 0600 file per registry. */
export const jobAuthFilePath = (configDir: string, host: string) =>
  join(configDir, 'job-auth', `${host.replace(/[^A-Za-z0-9.-]/g, '_')}.json`);

/**
 * The auth file the job names by path. Credentials from the tool's file are passed as that file; from anywhere else
 * (environment, Docker's or Apptainer's files, which the job may not see) they are copied into a 0600 file of their own.
 */
export async function authFileForJob(found: FoundCredentials, host: string, configDir: string): Promise<string> {
  if (found.origin === 'tool-file' && found.file) return found.file;
  const file = jobAuthFilePath(configDir, host);
  await makeDirs(join(file, '..'), 0o700);
  await checkPrivateDirectory(join(file, '..'));
  await writePrivate(file, withEntry({}, host, found.username, found.password, found.kind));
  return file;
}

export async function removeJobAuthFile(configDir: string, host: string): Promise<boolean> {
  try {
    await unlink(jobAuthFilePath(configDir, host));
    return true;
  } catch {
    return false;
  }
}
