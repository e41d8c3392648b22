// A scripted fake Runner for unit tests: replies keyed by argv (recorded exchanges from test/fixtures/slurm, or
// hand-made ones), every call kept in `calls`. A script run with `sh -c SCRIPT` is keyed by its arguments, not its text.
import { readFileSync } from 'node:fs';
import type { RunRequest, RunResult, Runner } from '../../src/transport/runner.js';

export interface Exchange extends RunResult {
  readonly argv: readonly string[];
  readonly stdin?: string;
}

/** A recorded exchange (test/fixtures/slurm/NAME.json). */
export const recorded = (name: string): Exchange =>
  JSON.parse(readFileSync(new URL(`../fixtures/slurm/${name}.json`, import.meta.url), 'utf8')) as Exchange;

export const ok = (argv: readonly string[], stdout = '', stderr = ''): Exchange => ({
  argv,
  code: 0,
  stdout,
  stderr,
  timedOut: false,
});

/** The argv a reply is matched on: for `sh -c SCRIPT name args...`, the script stands as "<script>". */
const key = (argv: readonly string[]) =>
  JSON.stringify(
    argv.length > 2 && argv[1] === '-c' && /(^|\/)(ba)?sh$/.test(argv[0]!)
      ? [argv[0], '-c', '<script>', ...argv.slice(3)]
      : argv,
  );

/**
 * Each exchange answers its argv once, in the order given (the same argv twice: the first answer, then the second);
 * an argv nobody scripted fails the test with that argv, as an unexpected command would.
 */
export function fakeRunner(exchanges: readonly Exchange[], id = 'local:testbed'): Runner & { calls: RunRequest[] } {
  const pending = [...exchanges];
  const calls: RunRequest[] = [];
  return {
    id,
    calls,
    async run(request) {
      calls.push(request);
      const at = pending.findIndex((e) => key(e.argv) === key(request.argv));
      if (at < 0) throw new Error(`fake runner: nothing scripted for ${JSON.stringify(request.argv.slice(0, 8))}`);
      const [{ code, stdout, stderr, timedOut }] = pending.splice(at, 1) as [Exchange];
      return { code, stdout, stderr, timedOut };
    },
  };
}
