// Entry: compose the real adapters, run one command, turn any error into one stderr line and an exit code.
import { homedir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { exitCodeFor, ExitCode, formatErrorLine, UsageError } from '../errors.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import { readFile } from '../state/fs-async.js';
import { resolveStatePaths } from '../state/paths.js';
import { createLocalRunner } from '../transport/local-runner.js';
import type { Runner } from '../transport/runner.js';
import { localClusterSide } from '../app/cluster-side.js';
import { createRegistryAccess } from '../app/registry-access.js';
import type { FetchPort } from '../registry/http.js';
import { currentUser } from '../state/user.js';
import { defineCli, parseCommand } from './build-cli.js';
import { recordCli } from './fast-parse.js';
import { inFlagWords } from './flag-words.js';
import type { CliIo } from './io.js';

const TEMPLATE_DIR = new URL('../../job-templates/', import.meta.url);

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let runner: Runner | undefined;
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  try {
    if (argv.includes('--help')) {
      const text = await renderedHelpFor(argv);
      if (text !== undefined) {
        process.stdout.write(`${text}\n`);
        return ExitCode.ok;
      }
    }
    const command = await parseCommand(argv);
    if (command.name === 'help') {
      process.stdout.write(`${command.text}\n`);
      return ExitCode.ok;
    }
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
    const { host, acceptNewHostKey, sshClient } = command.args;
    // The cache lives on the cluster's filesystems: these run where it is. Refused before any SSH connection is made.
    if (host && (command.name === 'cache' || command.name === 'warm' || command.name === 'import')) {
      throw new UsageError(`${command.name} with --host is not supported`, {
        hint: `run it on the cluster: ssh ${host} qsub-container ${command.name} ...`,
      });
    }
    // SSH is loaded only when --host asks for it: local runs do not pay for ssh2.
    const remote = host
      ? await (
          await import('../app/open-remote.js')
        ).openRemote(host, { env, home, localUser: user, paths, log, note: io.note, acceptNewHostKey, sshClient })
      : undefined;
    // sbatch exports its environment to the job: registry credentials must not ride along.
    runner = remote?.runner ?? createLocalRunner(withoutCredentialEnv(env));
    const cluster = remote?.cluster ?? localClusterSide(paths, env);
    let cryptoRequested = false;
    // node:http, not the global fetch: undici costs ~25 ms to load; loaded only by commands that ask a registry.
    const fetch: FetchPort = async (url, init) => {
      const answer = (await import('../registry/http-fetch.js')).httpFetch(url, init);
      // Registry answers are digest-checked with node:crypto (~3 ms to load): load it while the first request is in flight.
      if (!cryptoRequested) setImmediate(() => process.getBuiltinModule('node:crypto'));
      cryptoRequested = true;
      return answer;
    };
    const deps = {
      runner,
      cluster,
      registry: createRegistryAccess({ fetch, env, stateCacheDir: paths.stateCacheDir, cluster, log, now: Date.now }),
      fetch,
      now: Date.now,
      log,
      note: io.note,
      progress: process.stderr.isTTY ? (line: string) => io.note(`qsub-container: ${line}`) : undefined,
      signal: interrupt.signal,
      sleep: (ms: number) => delay(ms, undefined, { signal: interrupt.signal }).catch(() => undefined),
      stateCacheDir: paths.stateCacheDir,
      user,
      readTemplate: async (name: string) => {
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
    if (command.name === 'submit' && command.args.wait) process.once('SIGINT', onSigint);
    if (command.name === 'submit')
      return (await (await import('./commands/submit.js')).submitCommand(command.args, deps, io)) ?? ExitCode.ok;
    else if (command.name === 'login' || command.name === 'logout')
      await (await import('./commands/login.js')).loginCommand(command, deps, io);
    else if (command.name === 'import')
      await (await import('./commands/import.js')).importCommand(command.args, deps, io);
    else if (command.name === 'tags') await (await import('./commands/tags.js')).tagsCommand(command.args, deps, io);
    else if (command.name === 'cache') await (await import('./commands/cache.js')).cacheCommand(command.args, deps, io);
    else if (command.name === 'warm') await (await import('./commands/warm.js')).warmCommand(command.args, deps, io);
    else await (await import('./commands/detect.js')).detectCommand(command.args, deps, io);
    return ExitCode.ok;
  } catch (error) {
    const worded = inFlagWords(error);
    process.stderr.write(`${formatErrorLine(worded)}\n`);
    if (exitCodeFor(worded) === ExitCode.internal && env.QSUB_CONTAINER_DEBUG) console.error(error);
    return exitCodeFor(worded);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await runner?.close?.();
  }
}

/** The build's rendering of this help request (help-texts.ts), if it is one the build rendered. */
async function renderedHelpFor(argv: readonly string[]): Promise<string | undefined> {
  const { helpKey, renderedHelp } = await import('./help-texts.js');
  const key = helpKey(recordCli(defineCli), argv);
  return key === undefined ? undefined : renderedHelp(key, new URL('./', import.meta.url));
}
