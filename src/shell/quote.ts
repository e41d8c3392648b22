// POSIX shell quoting: the one place a value becomes shell text (sh, bash, dash, zsh read it back byte for byte).

/** Characters that mean nothing to any shell in any position; such words are left bare for readability. */
const SAFE_WORD = /^[A-Za-z0-9_/.,:@%+^-]+$/;

/** Quote one value so that every POSIX shell reads it back byte for byte as a single word. */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE_WORD.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quote an argv into one command line. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
