// The one string an SSH exec request carries: argv quoted once, run by /bin/sh whatever the user's login shell is.
import { shellJoin, shellQuote } from '../shell/quote.js';

/**
 * sshd hands the exec string to the login shell (bash, zsh, tcsh, ...). We always run the argv under /bin/sh,
 * so its POSIX quoting decides; the outer single-quoted word reads the same in sh and csh-family shells unless it
 * holds a newline or "!" (csh history). Those commands travel base64-encoded, which every shell reads as-is.
 */
export function buildRemoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('buildRemoteCommand: empty argv');
  const line = shellJoin(argv);
  if (!/[\n\r!]/.test(line)) return `/bin/sh -c ${shellQuote(line)}`;
  const encoded = Buffer.from(line, 'utf8').toString('base64');
  return `/bin/sh -c 'eval "$(printf %s ${encoded} | base64 -d)"'`;
}
