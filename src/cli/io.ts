// What a command prints and reads besides the use cases' effects: results on stdout, notes on stderr, the files and
// secrets the user names on the command line.
export interface CliIo {
  /** Results (stdout). */
  readonly out: (text: string) => void;
  /** Human notes (stderr). */
  readonly note: (text: string) => void;
  /** A file named on the command line (--commands, --nvidia-smi-output), read where the tool runs. */
  readonly readFile: (path: string) => Promise<string>;
  /** A secret typed at a no-echo prompt (stderr) or, when stdin is not a terminal or `fromStdin`, read from stdin. */
  readonly readSecret: (prompt: string, fromStdin: boolean) => Promise<string>;
}
