// Entry: compose the real adapters, run one command, turn any error into one stderr line and an exit code.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { exitCodeFor, ExitCode, formatErrorLine, type ExitCodeValue } from '../errors.js';
import { withoutCredentialEnv } from '../registry/secret-env.js';
import { resolveStatePaths } from '../state/paths.js';
import { createLocalRunner } from '../transport/local-runner.js';
import { parseCommand } from './build-cli.js';
import type { Context } from './context.js';

const TEMPLATE_DIR = new URL('../../job-templates/', import.meta.url);

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<ExitCodeValue> {
  try {
    const command = await parseCommand(argv);
    if (command.name === 'help') {
      process.stdout.write(`${command.text}\n`);
      return ExitCode.ok;
    }
    const { createLogger } = await import('../log/logger.js');
    const ctx: Context = {
      // sbatch exports its environment to the job: registry credentials must not ride along.
      runner: createLocalRunner(withoutCredentialEnv(env)),
      fetch: globalThis.fetch,
      now: Date.now,
      log: createLogger(command.args.logLevel),
      paths: resolveStatePaths(env, env.HOME || homedir()),
      env,
      out: (text) => process.stdout.write(text),
      note: (text) => process.stderr.write(`${text}\n`),
      readTemplate: (name) => readFile(new URL(name, TEMPLATE_DIR), 'utf8'),
      readFile: (path) => readFile(path, 'utf8'),
      readSecret: async (prompt, fromStdin) => (await import('./read-secret.js')).readSecret(prompt, fromStdin),
    };
    if (command.name === 'submit') await (await import('./commands/submit.js')).submitCommand(command.args, ctx);
    else if (command.name === 'login' || command.name === 'logout') await (await import('./commands/login.js')).loginCommand(command, ctx);
    else if (command.name === 'import') await (await import('./commands/import.js')).importCommand(command.args, ctx);
    else if (command.name === 'tags') await (await import('./commands/tags.js')).tagsCommand(command.args, ctx);
    else await (await import('./commands/detect.js')).detectCommand(command.args, ctx);
    return ExitCode.ok;
  } catch (error) {
    process.stderr.write(`${formatErrorLine(error)}\n`);
    if (exitCodeFor(error) === ExitCode.internal && env.QSUB_CONTAINER_DEBUG) console.error(error);
    return exitCodeFor(error);
  }
}
