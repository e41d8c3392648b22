// The real adapters for one command, composed once: logger, runner (here, or over SSH with --host), the cluster side,
// registry access over node:http, clock, sinks and the job templates; loaded after parsing, so --help pays for none.
import { homedir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { localClusterSide } from '../app/cluster-side.js';
import type { AppDeps, DriverMapAccess } from '../app/deps.js';
import { createRegistryAccess } from '../app/registry-access.js';
import type { LogLevel } from '../log/levels.js';
import type { FetchPort } from '../registry/http.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import { readFile } from '../state/fs-async.js';
import { resolveStatePaths } from '../state/paths.js';
import { currentUser } from '../state/user.js';
import { createLocalRunner } from '../transport/local-runner.js';
import { stoppableRunner, type StoppableRunner } from '../transport/stoppable-runner.js';
import type { AnyCommandArgs } from './args.js';
import type { CliIo } from './io.js';

const TEMPLATE_DIR = new URL('../../job-templates/', import.meta.url);

export interface Composed {
  readonly deps: AppDeps & { readonly fetch: FetchPort; readonly runner: StoppableRunner };
  readonly io: CliIo;
}

export async function compose(
  command: { readonly name: string; readonly args: AnyCommandArgs & { readonly logLevel: LogLevel } },
  env: NodeJS.ProcessEnv,
  interrupt: AbortSignal,
): Promise<Composed> {
  const { createLogger } = await import('../log/logger.js');
  const log = createLogger(command.args.logLevel);
  const home = env.HOME || homedir();
  const paths = resolveStatePaths(env, home);
  const user = currentUser(env);
  const io: CliIo = {
    out: (text) => process.stdout.write(text),
    note: (text) => process.stderr.write(`${text}\n`),
    readFile: (path) => readFile(path, 'utf8'),
    readSecret: async (prompt, fromStdin) => (await import('./read-secret.js')).readSecret(prompt, fromStdin),
  };
  // cache, warm and import take no --host (options.ts: runsOnCluster; build-cli.ts refuses it in a sentence).
  const { host, acceptNewHostKey = false, sshClient } = command.args;
  // SSH is loaded only when --host asks for it: local runs do not pay for ssh2.
  const remote = host
    ? await (
        await import('../app/open-remote.js')
      ).openRemote(host, { env, home, localUser: user, paths, log, note: io.note, acceptNewHostKey, sshClient })
    : undefined;
  // Unique to this run: the probe's job name carries it, so a stop cancels exactly this run's Slurm work.
  const runTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;
  // sbatch exports its environment to the job: registry credentials must not ride along. A stop (signal, closed
  // pipe) ends every command the runner started and cancels their Slurm work, and no command starts after it.
  const runner = stoppableRunner(remote?.runner ?? createLocalRunner(withoutCredentialEnv(env)), interrupt, runTag);
  const cluster = remote?.cluster ?? localClusterSide(paths, env);
  // node:http, not the global fetch: undici costs ~25 ms to load; loaded only by commands that ask a registry.
  const fetch: FetchPort = async (url, init) => (await import('../registry/http-fetch.js')).httpFetch(url, init);
  const deps = {
    runner,
    cluster,
    registry: createRegistryAccess({
      fetch,
      env,
      stateCacheDir: paths.stateCacheDir,
      cluster,
      log,
      now: Date.now,
    }).stoppedBy(interrupt),
    fetch,
    now: Date.now,
    log,
    note: io.note,
    progress: process.stderr.isTTY ? (line: string) => io.note(`qsub-container: ${line}`) : undefined,
    signal: interrupt,
    sleep: (ms: number) => delay(ms, undefined, { signal: interrupt }).catch(() => undefined),
    stateCacheDir: paths.stateCacheDir,
    user,
    // The map where the cluster side is: over --host the login node's, read in one command through the runner. Its
    // code loads when a probe first asks for it (a submission with --driver never does).
    driverMap: loadedOnUse(
      remote
        ? async () => (await import('../gpu/remote-driver-map.js')).runnerDriverMap(runner)
        : async () => (await import('../gpu/driver-map-fs.js')).localDriverMap(process.getuid?.() ?? -1),
    ),
    runTag,
    readTemplate: async (name: string) => {
      // One turn of the event loop first: submit asks for the template just before it asks the registry, and the reads
      // and their build-time parse then happen while the registry answers rather than before the request goes out.
      await new Promise((resolve) => setImmediate(resolve));
      const [{ loadTemplate }, { usePrebuiltParse }] = await Promise.all([
        import('../templates/load.js'),
        import('../templates/prebuilt.js'),
      ]);
      // Each file matched to its build-time parse (templates/prebuilt.ts): a site's edited one is parsed as it is.
      return loadTemplate(name, async (file) => {
        const text = await readFile(new URL(file, TEMPLATE_DIR), 'utf8');
        await usePrebuiltParse(file, text, new URL('./', import.meta.url));
        return text;
      });
    },
  };
  return { deps, io };
}

/** A driver map whose adapter is loaded by its first read or record. */
function loadedOnUse(load: () => Promise<DriverMapAccess>): DriverMapAccess {
  let access: Promise<DriverMapAccess> | undefined;
  return {
    readGroups: async (query) => (await (access ??= load())).readGroups(query),
    record: async (mapDir, uid, fact) => (await (access ??= load())).record(mapDir, uid, fact),
  };
}
