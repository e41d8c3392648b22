// The cluster side of an SSH submission: its config files, environment and auth file, read through the Runner.
import { ENV_VARS, envLayer, resolveSettings, type ConfigLayer, type Settings } from '../config/resolve.js';
import { AuthError, ConfigError, UnavailableError } from '../errors.js';
import { resolveStatePaths } from '../state/paths.js';
import type { Runner } from './runner.js';

const ENV_NAMES = [
  'HOME',
  'XDG_CONFIG_HOME',
  'QSUB_CONTAINER_CONFIG',
  'QSUB_CONTAINER_SITE_CONFIG',
  ...Object.values(ENV_VARS).flat(),
];

/**
 * One round trip, few forks: NUL-terminated records "env:NAME=value", "file:PATH" + its content, "missing:PATH",
 * and "authmode:MODE:PATH" for the default auth file (MODE empty: no such file). Paths are computed on the remote side from its own HOME and XDG_*.
 */
const SNAPSHOT_SCRIPT = [
  `for v in ${ENV_NAMES.join(' ')}; do eval "x=\\\${$v-}"; [ -n "$x" ] && printf 'env:%s=%s\\0' "$v" "$x"; done`,
  'site=${QSUB_CONTAINER_SITE_CONFIG:-/etc/qsub-container/config.json}',
  'user=${QSUB_CONTAINER_CONFIG:-${XDG_CONFIG_HOME:-$HOME/.config}/qsub-container/config.json}',
  `for f in "$site" "$user"; do if [ -r "$f" ]; then printf 'file:%s\\0' "$f"; cat -- "$f"; printf '\\0'; else printf 'missing:%s\\0' "$f"; fi; done`,
  'auth=${QSUB_CONTAINER_AUTH_FILE:-${XDG_CONFIG_HOME:-$HOME/.config}/qsub-container/auth.json}',
  `m=; if [ -e "$auth" ]; then m=$(stat -L -c %a -- "$auth"); fi; printf 'authmode:%s:%s\\0' "$m" "$auth"`,
  'exit 0',
].join('\n');

export interface RemoteSnapshot {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Site file, then user file: path and content (undefined when missing). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string | undefined }>;
  /** Mode (octal text, empty when the file does not exist) of the default auth file on the remote side. */
  readonly authMode: { readonly path: string; readonly mode: string } | undefined;
}

export function parseRemoteSnapshot(stdout: string): RemoteSnapshot {
  const env: Record<string, string | undefined> = {};
  const files: Array<{ path: string; text: string | undefined }> = [];
  let authMode: RemoteSnapshot['authMode'];
  const records = stdout.split('\0');
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const colon = record.indexOf(':');
    const [kind, rest] = [record.slice(0, colon), record.slice(colon + 1)];
    if (kind === 'env') env[rest.slice(0, rest.indexOf('='))] = rest.slice(rest.indexOf('=') + 1);
    else if (kind === 'file') files.push({ path: rest, text: records[++i] });
    else if (kind === 'missing') files.push({ path: rest, text: undefined });
    else if (kind === 'authmode')
      authMode = { mode: rest.slice(0, rest.indexOf(':')), path: rest.slice(rest.indexOf(':') + 1) };
  }
  return { env, files, authMode };
}

export interface RemoteSide {
  /** Settings from the cluster side's files and environment, then flags (the laptop's config only holds "hosts"). */
  settings(flags: Record<string, unknown>): Promise<Settings>;
  /**
   * The auth file the job will name, resolved on the cluster side; undefined when it does not exist there.
   * Seam for `login --remote`: that command writes this file through the same runner; nothing else copies secrets.
   */
  jobAuthFile(settings: Settings): Promise<string | undefined>;
  /** The laptop's credential file, for registry queries made from the laptop. */
  readonly localAuthFile: string;
}

export function createRemoteSide(runner: Runner, localAuthFile: string): RemoteSide & { prefetch(): void } {
  let snapshot: Promise<RemoteSnapshot> | undefined;
  const read = () =>
    (snapshot ??= runner.run({ argv: ['/bin/sh', '-c', SNAPSHOT_SCRIPT], timeoutMs: 30_000 }).then((result) => {
      if (result.code !== 0)
        throw new UnavailableError(
          `could not read the cluster side's settings: ${result.stderr.trim() || `exit ${result.code}`}`,
          { hint: 'check that /bin/sh and base64 work on the login node' },
        );
      return parseRemoteSnapshot(result.stdout);
    }));
  return {
    localAuthFile,
    /** Start the connection and the snapshot now, so they overlap with loading the command's modules. */
    prefetch: () => void read().catch(() => undefined),
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
      const resolved = resolveSettings(
        [...layers, { ...envLayer(env), source: `${runner.id} environment` }, { source: 'flags', values: flags }],
        paths.configDir,
      );
      const all = [...errors, ...resolved.errors];
      if (all.length > 0)
        throw new ConfigError(`invalid configuration: ${all.join('; ')}`, {
          hint: 'fix the files named above on the cluster side (README: Configuration)',
        });
      return resolved.settings;
    },
    async jobAuthFile(settings) {
      // Only the file's mode crosses the connection, never its content. The snapshot has it for the default path.
      const { authMode } = await read();
      let modeText: string;
      if (authMode?.path === settings.authFile) {
        if (authMode.mode === '') return undefined;
        modeText = authMode.mode;
      } else {
        const result = await runner.run({
          argv: ['stat', '-L', '-c', '%a', '--', settings.authFile],
          timeoutMs: 30_000,
        });
        if (result.code !== 0) return undefined;
        modeText = result.stdout.trim();
      }
      const mode = parseInt(modeText, 8);
      if (Number.isNaN(mode) || (mode & 0o077) !== 0) {
        throw new AuthError(
          `credential file ${settings.authFile} on ${runner.id} is readable by others (mode ${modeText})`,
          { hint: `on the cluster: chmod 600 ${settings.authFile}` },
        );
      }
      return settings.authFile;
    },
  };
}
