// A seeded generator of hostile values (quotes, $(), backticks, newlines, globs, unicode, very long): the same 200 on
// every run, so a failure names a value that can be replayed, yet far more varied than a hand-written list.

const PIECES: readonly string[] = [
  "'",
  '"',
  "''",
  '\\',
  '\\\\',
  '$(touch /tmp/qsc-pwned)',
  '`touch /tmp/qsc-pwned`',
  '$HOME',
  '${HOME}',
  '${IFS}',
  '$((1+1))',
  '$1',
  '$@',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '  ',
  '*',
  '?',
  '[a-z]',
  '{a,b}',
  '~',
  '~root',
  ';',
  '&&',
  '||',
  '|',
  '&',
  '>',
  '<',
  '>>',
  '2>&1',
  '#',
  '!',
  '!!',
  '%j',
  '%x',
  '=',
  '-n',
  '--',
  '-e',
  'ü',
  'ünïcødé',
  '✓',
  '日本語',
  '🚀',
  '\u00a0',
  '\u202e',
  '\u0007',
  'EOF',
  'x',
  'a',
  'b c',
  '/',
  '..',
  'name',
  'FOO=bar',
  ':',
  ',',
];

/** mulberry32: a tiny seeded PRNG (public domain), enough to make test inputs reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` values from `seed`: 1–12 pieces each; one in 20 is padded past 4,000 characters. */
export function hostileValues(count: number, seed = 7): string[] {
  const random = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  return Array.from({ length: count }, (_, i) => {
    let value = Array.from({ length: 1 + Math.floor(random() * 12) }, () => pick(PIECES)).join('');
    if (i % 20 === 19) value += pick(PIECES).repeat(4000 / Math.max(1, pick(PIECES).length));
    if (i % 20 === 19 && value.length < 4000) value += 'y'.repeat(4000);
    return value;
  });
}

/** The part of a value an #SBATCH line can carry (no control characters) and a Slurm job name keeps (≤ 200). */
export const asDirectiveValue = (value: string) => value.replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 200) || 'empty';

/** The part of a value Apptainer can bind: an absolute path without "," or ":" or control characters. */
export const asBindPath = (value: string) => `/tmp/${value.replace(/[\u0000-\u001f\u007f,:]/g, '')}`;
