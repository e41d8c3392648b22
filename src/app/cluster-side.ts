// The two sides a command can run against: this machine, or (--host) the cluster's login node, whose settings, files
// and credentials are read and written through the runner (one snapshot round trip for settings and the auth file).
import { parseClusterSnapshot, SNAPSHOT_SCRIPT, type ClusterSnapshot } from '../config/cluster-snapshot.js';
import { filesUnderRule, loadSettings, parseConfigFile, requireNamedFiles, settingsFromFiles } from '../config/load.js';
import { envLayer } from '../config/resolve.js';
import { AuthError, UnavailableError } from '../errors.js';
import { authFileForJob, removeCredentials, removeJobAuthFile, saveCredentials } from '../registry/credentials.js';
import { readRemoteCredentials, removeRemoteCredentials, saveRemoteCredentials } from '../registry/remote-auth-file.js';
import { resolveStatePaths, type StatePaths } from '../state/paths.js';
import type { Runner } from '../transport/runner.js';
import type { ClusterSide } from './deps.js';

export function localClusterSide(paths: StatePaths, env: Readonly<Record<string, string | undefined>>): ClusterSide {
  return {
    hostLabel: undefined,
    settings: (flags, userConfig) => loadSettings(paths, env, flags, userConfig),
    toolAuthFile: (settings) => settings.authFile,
    storedCredentials: () => Promise.resolve(undefined),
    jobAuthFile: async (_settings, host, credentials) =>
      credentials ? authFileForJob(credentials, host, paths.configDir) : undefined,
    credentialStore: (settings) => ({
      where: settings.authFile,
      save: (host, username, password) => saveCredentials(settings.authFile, host, username, password),
      remove: async (host) => {
        const removed = await removeCredentials(settings.authFile, host);
        return (await removeJobAuthFile(paths.configDir, host)) || removed;
      },
    }),
  };
}

/**
 * `localAuthFile`: this machine's credential file, for the registry requests made from here. `prefetch` starts the
 * connection and the snapshot at once, so they overlap with loading the command's modules.
 */
export function remoteClusterSide(
  runner: Runner,
  hostLabel: string,
  localAuthFile: string,
): ClusterSide & { prefetch(): void } {
  let snapshot: Promise<ClusterSnapshot> | undefined;
  const read = () =>
    (snapshot ??= runner.run({ argv: ['/bin/sh', '-c', SNAPSHOT_SCRIPT], timeoutMs: 30_000 }).then((result) => {
      if (result.code !== 0)
        throw new UnavailableError(
          `could not read the cluster side's settings: ${result.stderr.trim() || `exit ${result.code}`}`,
          { hint: 'check that /bin/sh and base64 work on the login node' },
        );
      return parseClusterSnapshot(result.stdout);
    }));
  return {
    hostLabel,
    prefetch: () => void read().catch(() => undefined),
    async settings(flags, userConfig = 'any') {
      const { env, files } = await read();
      const layers = files.map(({ path, text }) => parseConfigFile(`${runner.id}:${path}`, text));
      requireNamedFiles(layers, env, `the environment of ${runner.id}`);
      return settingsFromFiles(
        filesUnderRule(layers, env, userConfig),
        { ...envLayer(env, `the environment of ${runner.id}`), source: `${runner.id} environment` },
        flags,
        resolveStatePaths(env, env.HOME ?? '/').configDir,
        'fix each file this message names, on the cluster side (README: Configuration)',
      );
    },
    toolAuthFile: () => localAuthFile,
    storedCredentials: (settings, host) => readRemoteCredentials(runner, settings.authFile, host),
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
    credentialStore: (settings) => ({
      where: `${runner.id}:${settings.authFile}`,
      save: (host, username, password) => saveRemoteCredentials(runner, settings.authFile, host, username, password),
      remove: (host) => removeRemoteCredentials(runner, settings.authFile, host),
    }),
  };
}
