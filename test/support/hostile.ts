// Values crafted to break naive quoting: shell metacharacters, quotes, newlines, globs, unicode, very long.

export const HOSTILE_WORDS: readonly string[] = [
  "it's",
  '"double"',
  '$(touch /tmp/qsc-pwned)',
  '`touch /tmp/qsc-pwned`',
  '${HOME}',
  '$HOME',
  'a;b',
  'a && b || c',
  'line1\nline2',
  'trailing\n',
  '\ttab',
  '*',
  '?',
  '[a-z]*',
  '~',
  '~root',
  '-n',
  '--help',
  '',
  ' ',
  'back\\slash',
  "'",
  "''",
  '"',
  '#comment',
  '!event',
  'ünïcødé ✓ 日本語',
  '>out',
  '<in',
  '|pipe',
  '&',
  'FOO=bar',
  '%j %x',
  'x'.repeat(5000),
];

/** Values for #SBATCH lines: sbatch cannot carry control characters, everything else must survive. */
export const HOSTILE_DIRECTIVE_VALUES: readonly string[] = HOSTILE_WORDS.filter(
  (w) => w !== '' && !/[\u0000-\u001f]/.test(w) && w.length < 200,
);
