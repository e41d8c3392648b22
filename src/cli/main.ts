// Entry: compose the real adapters, run one command, turn any error into one stderr line and an exit code.
import { homedir, userInfo } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { exitCodeFor, ExitCode, formatErrorLine, UsageError } from '../errors.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import { readFile } from '../state/fs-async.js';
import { resolveStatePaths } from '../state/paths.js';
import { createLocalRunner } from '../transport/local-runner.js';
import { parseCommand } from './build-cli.js';
import type { Context } from './context.js';

const TEMPLATE_DIR = new URL('../../job-templates/', import.meta.url);

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let context: Context | undefined;
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  try {
    if (argv.includes('--help')) {
      const { renderedHelp } = await import('./help-texts.js');
      const text = await renderedHelp(argv, new URL('./', import.meta.url));
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
    const note = (text: string) => process.stderr.write(`${text}\n`);
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
          await import('../transport/open-remote.js')
        ).openRemote(host, {
          env,
          home,
          localUser: env.USER || userInfo().username,
          paths,
          log,
          note,
          acceptNewHostKey,
          sshClient,
        })
      : undefined;
    context = {
      // sbatch exports its environment to the job: registry credentials must not ride along.
      runner: remote?.runner ?? createLocalRunner(withoutCredentialEnv(env)),
      remote: remote?.remote,
      hostLabel: host,
      // node:http, not the global fetch: undici costs ~25 ms to load; loaded only by commands that ask a registry.
      fetch: async (url, init) => (await import('../registry/http-fetch.js')).httpFetch(url, init),
      now: Date.now,
      log,
      paths,
      env,
      out: (text) => process.stdout.write(text),
      note,
      readTemplate: async (name) => {
        // One turn of the event loop first: submit asks for the template just before it asks the registry, and the read
        // and its build-time parse then happen while the registry answers rather than before the request goes out.
        await new Promise((resolve) => setImmediate(resolve));
        const text = await readFile(new URL(name, TEMPLATE_DIR), 'utf8');
        await (await import('../templates/prebuilt.js')).usePrebuiltParse(name, text, new URL('./', import.meta.url));
        return text;
      },
      readFile: (path) => readFile(path, 'utf8'),
      signal: interrupt.signal,
      sleep: (ms) => delay(ms, undefined, { signal: interrupt.signal }).catch(() => undefined),
      readSecret: async (prompt, fromStdin) => (await import('./read-secret.js')).readSecret(prompt, fromStdin),
    };
    if (command.name === 'submit' && command.args.wait) process.once('SIGINT', onSigint);
    if (command.name === 'submit')
      return (await (await import('./commands/submit.js')).submitCommand(command.args, context)) ?? ExitCode.ok;
    else if (command.name === 'login' || command.name === 'logout')
      await (await import('./commands/login.js')).loginCommand(command, context);
    else if (command.name === 'import')
      await (await import('./commands/import.js')).importCommand(command.args, context);
    else if (command.name === 'tags') await (await import('./commands/tags.js')).tagsCommand(command.args, context);
    else if (command.name === 'cache') await (await import('./commands/cache.js')).cacheCommand(command.args, context);
    else if (command.name === 'warm') await (await import('./commands/warm.js')).warmCommand(command.args, context);
    else await (await import('./commands/detect.js')).detectCommand(command.args, context);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`${formatErrorLine(error)}\n`);
    if (exitCodeFor(error) === ExitCode.internal && env.QSUB_CONTAINER_DEBUG) console.error(error);
    return exitCodeFor(error);
  } finally {
    process.removeListener('SIGINT', onSigint);
    await context?.runner.close?.();
  }
}
