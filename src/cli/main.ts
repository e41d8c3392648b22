// Entry: parse, run the command (dispatch.ts composes the real adapters and runs it), turn any error into one stderr
// line (in flag words: flag-words.ts) and an exit code.
import { exitCodeFor, ExitCode, formatErrorLine } from '../errors.js';
import { parseCommand } from './build-cli.js';
import { inFlagWords } from './flag-words.js';

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
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
    return await (await import('./dispatch.js')).dispatch(command, env, new AbortController());
  } catch (error) {
    const worded = inFlagWords(error);
    process.stderr.write(`${formatErrorLine(worded)}\n`);
    if (exitCodeFor(worded) === ExitCode.internal && env.QSUB_CONTAINER_DEBUG) console.error(error);
    return exitCodeFor(worded);
  }
}
