// Binds, --env and --array: what Apptainer and sbatch would misread is refused before anything is queued.
import { describe, expect, it } from 'vitest';
import { parseTaskCommands, validateArray, validateBind, validateEnv } from '../../../src/job/container-options.js';

describe('validateBind', () => {
  it('takes SRC, SRC:DST and SRC:DST:ro|rw with any other characters', () => {
    for (const ok of ['/data', '/data:/mnt', '/d a t a:/mnt:ro', "/it's $(x) `y` *:/m:rw", '/ünï ✓'])
      expect(validateBind(ok)).toBe(ok);
  });
  it('refuses relative paths, separators Apptainer splits on, control characters and unknown options', () => {
    expect(() => validateBind('data')).toThrow(/source must be an absolute path/);
    expect(() => validateBind('/a:mnt')).toThrow(/destination must be an absolute path/);
    expect(() => validateBind('/a,/b')).toThrow(/","/);
    expect(() => validateBind('/a:/b:ro:x')).toThrow(/":"/);
    expect(() => validateBind('/a\n/b')).toThrow(/control characters/);
    expect(() => validateBind('/a:/b:rx')).toThrow(/ro and rw/);
  });
});

describe('validateEnv', () => {
  it('splits at the first "=" and keeps the value as it is', () => {
    expect(validateEnv('A=b=c')).toEqual({ name: 'A', value: 'b=c' });
    expect(validateEnv('_X=')).toEqual({ name: '_X', value: '' });
    expect(validateEnv('V1=$(id)\n`x`')).toEqual({ name: 'V1', value: '$(id)\n`x`' });
  });
  it('refuses a missing "=" or a name the shell could not hold', () => {
    for (const bad of ['A', '1A=x', 'A-B=x', '=x', '$(id)=x']) expect(() => validateEnv(bad)).toThrow(/malformed env/);
  });
});

describe('validateArray', () => {
  it('takes what sbatch --array takes and refuses the rest', () => {
    for (const ok of ['0-15', '1,3,5-7', '0-15:4', '0-99%10', '7']) expect(validateArray(ok)).toBe(ok);
    for (const bad of ['', 'a', '1-', '0-3;id', '0-3 %2', '-1'])
      expect(() => validateArray(bad)).toThrow(/malformed array/);
  });
});

describe('parseTaskCommands', () => {
  it('takes one command per line, skipping blank lines and comments, DOS line ends included', () => {
    expect(parseTaskCommands('python a.py --x 1\r\n\n  # note\npython b.py "$HOME"\n', 'f')).toEqual([
      'python a.py --x 1',
      'python b.py "$HOME"',
    ]);
  });
  it('refuses a file without a command', () => {
    expect(() => parseTaskCommands('\n# only a comment\n', 'tasks.txt')).toThrow(
      /taskCommands tasks.txt holds no command/,
    );
  });
});
