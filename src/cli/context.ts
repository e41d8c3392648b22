// What commands may touch, passed in by main.ts: the runner, fetch, clock, logger, paths and output streams.
import type { Logger } from '../log/types.js';
import type { FetchPort } from '../registry/http.js';
import type { StatePaths } from '../state/paths.js';
import type { RemoteSide } from '../transport/remote-side.js';
import type { Runner } from '../transport/runner.js';

export interface Context {
  readonly runner: Runner;
  readonly fetch: FetchPort;
  readonly now: () => number;
  readonly log: Logger;
  readonly paths: StatePaths;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results (stdout). */
  readonly out: (text: string) => void;
  /** Human notes (stderr), beside the structured log. */
  readonly note: (text: string) => void;
  readonly readTemplate: (name: string) => Promise<string>;
  readonly readFile: (path: string) => Promise<string>;
  /** Set with --host: settings and the job's auth file come from the cluster side, over the runner. */
  readonly remote?: RemoteSide | undefined;
  /** What --host named, for hints; undefined for local runs. */
  readonly hostLabel?: string | undefined;
  /** Aborted on Ctrl-C: --wait stops following (never the job). Optional so contexts built elsewhere need not change. */
  readonly signal?: AbortSignal | undefined;
  /** Resolves after ms, or early on abort; defaults to a plain timer. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** A secret typed at a no-echo prompt (stderr) or, when stdin is not a terminal or `fromStdin`, read from stdin. */
  readonly readSecret: (prompt: string, fromStdin: boolean) => Promise<string>;
}
