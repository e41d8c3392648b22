// The cluster side's credential file, updated through the Runner (login/logout --host H --remote): the secret crosses
// the SSH connection on stdin only, lands through a 0600 temporary name and a rename, and is never written locally.
import { AuthError, UnavailableError } from '../errors.js';
import type { Secret } from '../secret.js';
import type { Runner } from '../transport/runner.js';
import { entryFor, formatAuthFile, parseAuthFile, withEntry, withoutEntry, type AuthFileJson } from './auth-file.js';
import type { FoundCredentials } from './credentials.js';

// "$1" is the file. Prints its mode, a newline, then its content; exit 3 when it does not exist.
const READ = '[ -e "$1" ] || exit 3; stat -L -c %a -- "$1" && cat -- "$1"';
// Content on stdin; mktemp makes the temporary file 0600 under a fresh random name (O_EXCL: a symlink planted at a
// guessable name such as "$1.tmp.<pid>" is never written through) before a byte is written; rename publishes it whole
// (mv -T: onto the name itself, never into a directory there).
const WRITE =
  'umask 077 && mkdir -p -- "$(dirname -- "$1")" && t=$(mktemp -- "$1.XXXXXXXX") && { cat > "$t" && mv -fT -- "$t" "$1" || { rm -f -- "$t"; exit 1; }; }';

async function readRemote(runner: Runner, file: string): Promise<AuthFileJson> {
  const result = await runner.run({ argv: ['/bin/sh', '-c', READ, 'sh', file], timeoutMs: 30_000 });
  if (result.code === 3) return {};
  if (result.code !== 0)
    throw new UnavailableError(
      `could not read ${file} on ${runner.id}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
  const newline = result.stdout.indexOf('\n');
  const mode = parseInt(result.stdout.slice(0, newline), 8);
  if (Number.isNaN(mode) || (mode & 0o077) !== 0) {
    throw new AuthError(
      `credential file ${file} on ${runner.id} is readable by others (mode ${result.stdout.slice(0, newline)})`,
      {
        hint: `on the cluster: chmod 600 ${file}`,
      },
    );
  }
  return parseAuthFile(result.stdout.slice(newline + 1), `${runner.id}:${file}`);
}

async function writeRemote(runner: Runner, file: string, json: AuthFileJson): Promise<void> {
  const result = await runner.run({
    argv: ['/bin/sh', '-c', WRITE, 'sh', file],
    stdin: formatAuthFile(json),
    timeoutMs: 30_000,
  });
  if (result.code !== 0)
    throw new UnavailableError(
      `could not write ${file} on ${runner.id}: ${result.stderr.trim() || `exit ${result.code}`}`,
    );
}

export async function saveRemoteCredentials(
  runner: Runner,
  file: string,
  host: string,
  username: string,
  password: Secret,
): Promise<void> {
  await writeRemote(runner, file, withEntry(await readRemote(runner, file), host, username, password));
}

/**
 * The registry's entry in the cluster side's file (stored there by login --remote), for requests made from here when
 * this machine has none: the file crosses the SSH connection on stdout, as login's own update reads it, and is kept in
 * memory only. Refused when the file is readable by others, as the local file is.
 */
export async function readRemoteCredentials(
  runner: Runner,
  file: string,
  host: string,
): Promise<FoundCredentials | undefined> {
  const where = `${runner.id}:${file}`;
  const entry = entryFor(await readRemote(runner, file), host, where);
  return entry && { ...entry, source: `auth file ${where} (stored by login --remote)`, origin: 'tool-file', file };
}

/** false when the cluster side's file had no entry for the host. */
export async function removeRemoteCredentials(runner: Runner, file: string, host: string): Promise<boolean> {
  const { json, removed } = withoutEntry(await readRemote(runner, file), host);
  if (removed) await writeRemote(runner, file, json);
  return removed;
}
