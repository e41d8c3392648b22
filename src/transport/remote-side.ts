// The cluster side of an SSH submission: its config files, environment and auth file, read through the Runner.
import { ENV_VARS, envLayer, resolveSettings, type ConfigLayer, type Settings } from '../config/resolve.js';
import { AuthError, ConfigError, UnavailableError } from '../errors.js';
import { resolveStatePaths } from '../state/paths.js';
import type { Runner } from './runner.js';

const ENV_NAMES = ['HOME', 'XDG_CONFIG_HOME', 'QSUB_CONTAINER_CONFIG', 'QSUB_CONTAINER_SITE_CONFIG', ...Object.values(ENV_VARS).flat()];

/**
 * One round trip: each variable and each config file, base64-encoded so any byte survives ("-" = unset/missing), after a tab.
 * The file paths are computed on the remote side, from its own HOME and XDG_CONFIG_HOME.
 */
const SNAPSHOT_SCRIPT = [
  'b() { base64 | tr -d "\\n"; echo; }',
  `for v in ${ENV_NAMES.join(' ')}; do eval "x=\\\${$v-}"; printf "%s\\t" "$v"; if [ -n "$x" ]; then printf %s "$x" | b; else echo -; fi; done`,
  'site=${QSUB_CONTAINER_SITE_CONFIG:-/etc/qsub-container/config.json}',
  'user=${QSUB_CONTAINER_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/qsub-container/config.json}',
  'for f in "$site" "$user"; do printf "file:%s\\t" "$f"; if [ -r "$f" ]; then b < "$f"; else echo -; fi; done',
].join('\n');

export interface RemoteSnapshot {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Site file, then user file: path and content (undefined when missing). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string | undefined }>;
}

export function parseRemoteSnapshot(stdout: string): RemoteSnapshot {
  const env: Record<string, string | undefined> = {};
  const files: Array<{ path: string; text: string | undefined }> = [];
  const decode = (v: string) => (v === '-' ? undefined : Buffer.from(v, 'base64').toString('utf8'));
  for (const line of stdout.split('\n')) {
    const eq = line.lastIndexOf('\t');
    if (eq < 0) continue;
    const [key, value] = [line.slice(0, eq), line.slice(eq + 1)];
    if (key.startsWith('file:')) files.push({ path: key.slice(5), text: decode(value) });
    else env[key] = decode(value);
  }
  return { env, files };
}

export interface RemoteSide {
  /** Settings from the cluster side's files and environment, then flags (the laptop's config only holds "hosts"). */
  settings(flags: Record<string, unknown>): Promise<Settings>;
  /** The auth file the job will name, resolved on the cluster side; undefined when it does not exist there. */
  jobAuthFile(settings: Settings): Promise<string | undefined>;
  /** The laptop's credential file, for registry queries made from the laptop. */
  readonly localAuthFile: string;
}

export function createRemoteSide(runner: Runner, localAuthFile: string): RemoteSide {
  let snapshot: Promise<RemoteSnapshot> | undefined;
  const read = () =>
    (snapshot ??= runner.run({ argv: ['/bin/sh', '-c', SNAPSHOT_SCRIPT], timeoutMs: 30_000 }).then((result) => {
      if (result.code !== 0) throw new UnavailableError(`could not read the cluster side's settings: ${result.stderr.trim() || `exit ${result.code}`}`, { hint: 'check that /bin/sh and base64 work on the login node' });
      return parseRemoteSnapshot(result.stdout);
    }));
  return {
    localAuthFile,
    async settings(flags) {
      const { env, files } = await read();
      const errors: string[] = [];
      const layers: ConfigLayer[] = files.map(({ path, text }) => {
        if (text === undefined) return { source: `${runner.id}:${path}`, values: undefined };
        try {
          return { source: `${runner.id}:${path}`, values: JSON.parse(text) };
        } catch (error) {
          errors.push(`${runner.id}:${path}: not valid JSON (${(error as Error).message})`);
          return { source: path, values: undefined };
        }
      });
      const paths = resolveStatePaths(env, env.HOME ?? '/');
      const resolved = resolveSettings([...layers, { ...envLayer(env), source: `${runner.id} environment` }, { source: 'flags', values: flags }], paths.configDir);
      const all = [...errors, ...resolved.errors];
      if (all.length > 0) throw new ConfigError(`invalid configuration: ${all.join('; ')}`, { hint: 'fix the files named above on the cluster side (README: Configuration)' });
      return resolved.settings;
    },
    async jobAuthFile(settings) {
      // Only the file's mode crosses the connection, never its content.
      const result = await runner.run({ argv: ['stat', '-L', '-c', '%a', '--', settings.authFile], timeoutMs: 30_000 });
      if (result.code !== 0) return undefined;
      const mode = parseInt(result.stdout.trim(), 8);
      if (Number.isNaN(mode) || (mode & 0o077) !== 0) {
        throw new AuthError(`credential file ${settings.authFile} on ${runner.id} is readable by others (mode ${result.stdout.trim()})`, { hint: `on the cluster: chmod 600 ${settings.authFile}` });
      }
      return settings.authFile;
    },
  };
}
