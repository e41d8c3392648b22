// Entry: parse, run the command (dispatch.ts composes the real adapters and runs it), turn any error into one stderr
// line (in flag words: flag-words.ts) and an exit code. A signal or a closed pipe stops the run (stop.ts).
import { exitCodeFor, ExitCode, formatErrorLine, InterruptedError, StoppedError } from '../errors.js';
import { asksForVersion, helpWordAsFlag, parseCommand } from './build-cli.js';
import { inFlagWords } from './flag-words.js';
import { exitCodeForStop, watchForStop, type Stop } from './stop.js';

let processStop: Stop | undefined;

/**
 * The exit code; `exit` ends the process when a run that a signal or a closed pipe stopped has nothing left to do but
 * something would still hold the exit back (the bin passes process.exit).
 */
export async function main(
  given: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  exit: (code: number) => void = () => {},
): Promise<number> {
  // Handlers on stdout and stderr from the first byte: even --help's output may go to a reader that went away.
  const stop = (processStop ??= watchForStop({ exit }));
  try {
    const argv = helpWordAsFlag(given);
    if (asksForVersion(argv)) {
      process.stdout.write(`${await (await import('./version.js')).readVersion()}\n`);
      return stoppedOr(stop, ExitCode.ok);
    }
    if (argv.includes('--help')) {
      const { renderedHelp } = await import('./help-texts.js');
      const text = await renderedHelp(argv, new URL('./', import.meta.url));
      if (text !== undefined) {
        process.stdout.write(`${text}\n`);
        return stoppedOr(stop, ExitCode.ok);
      }
    }
    const command = await parseCommand(argv);
    if (command.name === 'help') {
      process.stdout.write(`${command.text}\n`);
      return stoppedOr(stop, ExitCode.ok);
    }
    // The warmer answers SIGTERM and SIGINT itself (daemon/warmer.ts: the running pull is stopped and cleaned up).
    if (command.name !== 'warm') stop.watchSignals();
    const code = await (await import('./dispatch.js')).dispatch(command, env, stop);
    return stoppedOr(stop, code);
  } catch (error) {
    const cause = stop.cause();
    if (cause?.kind === 'pipe') return exitCodeForStop(cause);
    // Only --wait's own sentence (the job keeps running, and how to cancel it) says more than "stopped".
    if (cause?.kind === 'signal' && (error instanceof StoppedError || !(error instanceof InterruptedError))) {
      process.stderr.write(`qsub-container: stopped by ${cause.name}; nothing it started is left running.\n`);
      return exitCodeForStop(cause);
    }
    const worded = inFlagWords(error);
    process.stderr.write(`${formatErrorLine(worded)}\n`);
    if (exitCodeFor(worded) === ExitCode.internal && env.QSUB_CONTAINER_DEBUG) console.error(error);
    return cause ? exitCodeForStop(cause) : exitCodeFor(worded);
  } finally {
    stop.finished();
  }
}

/** A run that a signal or a closed pipe stopped ends with that code, whatever it returned. */
function stoppedOr(stop: Stop, code: number): number {
  const cause = stop.cause();
  return cause ? exitCodeForStop(cause) : code;
}
