// `--help` without loading yargs (~120 ms of a ~145 ms run): the build renders, with yargs itself, the help of the CLI
// and of each command (deploy/bundle-cli.mjs writes help-texts.json beside the bundle). Only the exact spellings
// `--help` and `COMMAND --help` are answered from it; any other help request is yargs' to render. yargs wraps at a
// fixed 100 columns in English (yargs-cli.ts), so the text does not depend on the terminal or the locale.
import { readBuildArtifact } from '../state/build-artifact.js';
import { COMMANDS } from './options.js';

export const HELP_TEXTS_FILE = 'help-texts.json';

const isCommand = (word: string) => Object.hasOwn(COMMANDS, word);

/** The command lines whose help the build renders: the CLI's own, then each command's. */
export const helpArgvs = (): string[][] => [['--help'], ...Object.keys(COMMANDS).map((name) => [name, '--help'])];

/** The key of the rendered help `argv` asks for ('' for the CLI's own), or undefined when yargs must render it. */
export function helpKey(argv: readonly string[]): string | undefined {
  if (argv.length === 1 && argv[0] === '--help') return '';
  if (argv.length === 2 && argv[1] === '--help' && isCommand(argv[0]!)) return argv[0];
  return undefined;
}

/** The help the build rendered for this request, or undefined: yargs renders it (or a run from source, without one). */
export async function renderedHelp(argv: readonly string[], besideBundle: URL): Promise<string | undefined> {
  const key = helpKey(argv);
  return key === undefined ? undefined : (await readBuildArtifact<string>(HELP_TEXTS_FILE, besideBundle))[key];
}
