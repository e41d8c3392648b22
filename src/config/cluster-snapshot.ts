// The cluster side of an SSH submission as one snapshot read through the Runner: its config files, the environment
// that settings read, and the mode of its auth file. The script and its parser live here; config/load.ts parses the
// files and resolve.ts validates them, as it does this machine's.
import { SHELL_STATE_PATHS } from '../state/paths.js';
import { SBATCH_ENV_NAMES } from '../slurm/sbatch-env.js';
import { ENV_VARS } from './resolve.js';

const ENV_NAMES = [
  'HOME',
  'XDG_CONFIG_HOME',
  'QSUB_CONTAINER_CONFIG',
  'QSUB_CONTAINER_SITE_CONFIG',
  ...new Set([...Object.values(ENV_VARS).flat(), ...SBATCH_ENV_NAMES]),
];

/**
 * One round trip, few forks: NUL-terminated records "env:NAME=value", "file:PATH" + its content, "missing:PATH",
 * and "authmode:MODE:PATH" for the default auth file (MODE empty: no such file). Paths are computed on the remote side
 * from its own HOME and XDG_* (state/paths.ts's rules as shell expansions).
 */
export const SNAPSHOT_SCRIPT = [
  `for v in ${ENV_NAMES.join(' ')}; do eval "x=\\\${$v-}"; [ -n "$x" ] && printf 'env:%s=%s\\0' "$v" "$x"; done`,
  `site=${SHELL_STATE_PATHS.siteConfigFile}`,
  `user=\${QSUB_CONTAINER_CONFIG:-${SHELL_STATE_PATHS.configDir}/config.json}`,
  `for f in "$site" "$user"; do if [ -r "$f" ]; then printf 'file:%s\\0' "$f"; cat -- "$f"; printf '\\0'; else printf 'missing:%s\\0' "$f"; fi; done`,
  `auth=\${QSUB_CONTAINER_AUTH_FILE:-${SHELL_STATE_PATHS.configDir}/auth.json}`,
  `m=; if [ -e "$auth" ]; then m=$(stat -L -c %a -- "$auth"); fi; printf 'authmode:%s:%s\\0' "$m" "$auth"`,
  'exit 0',
].join('\n');

export interface ClusterSnapshot {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Site file, then user file: path and content (undefined when missing). */
  readonly files: ReadonlyArray<{ readonly path: string; readonly text: string | undefined }>;
  /** Mode (octal text, empty when the file does not exist) of the default auth file on the remote side. */
  readonly authMode: { readonly path: string; readonly mode: string } | undefined;
}

export function parseClusterSnapshot(stdout: string): ClusterSnapshot {
  const env: Record<string, string | undefined> = {};
  const files: Array<{ path: string; text: string | undefined }> = [];
  let authMode: ClusterSnapshot['authMode'];
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
