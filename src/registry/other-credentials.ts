// Credentials other tools keep, each read for the registry it names: Docker-format files (Docker's, Apptainer's,
// podman's; inline entries, identity tokens, credHelpers/credsStore helpers) and enroot's netrc file.
import { join } from 'node:path';
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';
import { readFile, stat } from '../state/fs-async.js';
import type { Runner } from '../transport/runner.js';
import { entryFor, hasEntry, helperFor, parseAuthFile } from './auth-file.js';
import { askCredentialHelper } from './credential-helper.js';
import type { FoundCredentials } from './credentials.js';
import { netrcCredentialsFor, parseNetrc } from './netrc.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The file's permission bits, or undefined when it does not exist. */
export async function modeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR')
      return undefined;
    throw error;
  }
}

export const tooOpen = (file: string, mode: number) =>
  new AuthError(`credential file ${file} is readable by others (mode ${mode.toString(8).padStart(4, '0')})`, {
    hint: `chmod 600 ${file}`,
  });

const configHome = (env: Env, home: string) => env.XDG_CONFIG_HOME || join(home, '.config');

/**
 * Docker-format files after the tool's own, in order: Docker's config.json, Apptainer's and Singularity's
 * docker-config.json, then podman's auth.json as containers-auth.json(5) orders them (REGISTRY_AUTH_FILE or
 * $XDG_RUNTIME_DIR/containers/auth.json, then $XDG_CONFIG_HOME/containers/auth.json).
 */
export function otherCredentialFiles(env: Env, home: string): string[] {
  return [
    join(env.DOCKER_CONFIG || join(home, '.docker'), 'config.json'),
    join(home, '.apptainer', 'docker-config.json'),
    join(home, '.singularity', 'docker-config.json'),
    ...(env.REGISTRY_AUTH_FILE
      ? [env.REGISTRY_AUTH_FILE]
      : env.XDG_RUNTIME_DIR
        ? [join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json')]
        : []),
    join(configHome(env, home), 'containers', 'auth.json'),
  ];
}

/** enroot's credentials file: $ENROOT_CONFIG_PATH/.credentials, by default under $XDG_CONFIG_HOME/enroot. */
export const enrootCredentialsFile = (env: Env, home: string) =>
  join(env.ENROOT_CONFIG_PATH || join(configHome(env, home), 'enroot'), '.credentials');

async function readIfReadable(file: string): Promise<{ text: string; mode: number } | undefined> {
  const mode = await modeOf(file);
  if (mode === undefined) return undefined;
  try {
    return { text: await readFile(file, 'utf8'), mode };
  } catch {
    return undefined; // another tool's file we cannot read is simply not a source
  }
}

/**
 * `host`'s credentials from a Docker-format file, as Docker finds them: the credential helper credHelpers names for the
 * host, else the credsStore, asked through the protocol; then an inline entry (auth, or identitytoken). An empty entry
 * (`{}`) beside a store is a pointer to the store, not "no credentials". A helper that is not installed is an error
 * when the file says it holds this registry's credentials (credHelpers names it, or an entry exists), and is
 * passed over otherwise (a credsStore copied from a laptop says nothing about this registry).
 */
export async function readDockerFormatFile(
  file: string,
  host: string,
  runner: Runner,
): Promise<FoundCredentials | undefined> {
  const read = await readIfReadable(file);
  if (!read) return undefined;
  const json = parseAuthFile(read.text, file);
  const inline = entryFor(json, host, file);
  const helper = helperFor(json, host, file);
  if (helper) {
    const answer = await askCredentialHelper(runner, helper.name, host);
    if (answer.kind === 'found') {
      return {
        username: answer.identityToken ? '<token>' : answer.username,
        password: answer.secret,
        kind: answer.identityToken ? 'identity-token' : 'password',
        source: `credential helper docker-credential-${helper.name} (${helper.named ? 'credHelpers' : 'credsStore'} in ${file})`,
        origin: 'elsewhere',
        file: undefined,
      };
    }
    if (answer.kind === 'not-installed' && !inline && (helper.named || hasEntry(json, host))) {
      throw new AuthError(
        `${file} keeps the credentials for ${host} in credential helper docker-credential-${helper.name}, which is not on PATH`,
        {
          hint: `install it on this machine, or store the credentials with: qsub-container login ${host} (read before ${file})`,
        },
      );
    }
  }
  if (!inline) return undefined;
  if ((read.mode & 0o077) !== 0) throw tooOpen(file, read.mode);
  return { ...inline, source: `auth file ${file}`, origin: 'elsewhere', file };
}

/** `host`'s credentials from enroot's netrc file (its own machine line, or its token service's: authn.nvidia.com). */
export async function readEnrootFile(file: string, host: string, env: Env): Promise<FoundCredentials | undefined> {
  const read = await readIfReadable(file);
  if (!read) return undefined;
  const found = netrcCredentialsFor(parseNetrc(read.text), host, env);
  if (!found) return undefined;
  if ((read.mode & 0o077) !== 0) throw tooOpen(file, read.mode);
  return {
    username: found.username,
    password: new Secret(found.password),
    source: `enroot credentials ${file} (machine ${found.machine})`,
    origin: 'elsewhere',
    file: undefined,
  };
}
