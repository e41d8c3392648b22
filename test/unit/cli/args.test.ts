// The typed arguments follow the declaration: every declared option and positional fills its camelCase field, with
// the value kind its declared type promises (the compiler checks the types, these tests the values).
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CacheArgs, CommonArgs, DetectArgs, ImportArgs, SubmitArgs } from '../../../src/cli/args.js';
import { camelCase } from '../../../src/cli/args.js';
import { parseCommand } from '../../../src/cli/build-cli.js';
import type { CommandSpec, OptionSpec } from '../../../src/cli/option-spec.js';
import { COMMANDS } from '../../../src/cli/options.js';
import type { LogLevel } from '../../../src/log/levels.js';

/** The shortest valid command line of each command. */
const MINIMAL: Record<string, string[]> = {
  submit: ['tensorflow'],
  tags: ['tags', 'pytorch'],
  detect: ['detect'],
  cache: ['cache', 'ls'],
  warm: ['warm'],
  login: ['login', 'nvcr.io'],
  import: ['import', 'x.tar'],
  logout: ['logout', 'nvcr.io'],
};

const kindOf = (spec: OptionSpec) =>
  spec.array || spec.repeatable ? 'list' : spec.type === 'boolean' ? 'boolean' : 'string';
const kindOfValue = (value: unknown) =>
  Array.isArray(value) ? 'list' : typeof value === 'boolean' ? 'boolean' : 'string';

describe('typed arguments', () => {
  it.each(Object.entries(COMMANDS) as [string, CommandSpec][])(
    '%s: one field per declared option and positional',
    async (name, command) => {
      const parsed = await parseCommand(MINIMAL[name]!);
      expect(parsed.name).toBe(name);
      const args = (parsed as { args: Record<string, unknown> }).args;
      const declared = { ...command.positionals, ...command.options };
      expect(Object.keys(args).sort()).toEqual(
        [...Object.keys(declared).map(camelCase), ...(command.takesCommand ? ['command'] : [])].sort(),
      );
      for (const [key, spec] of Object.entries(declared)) {
        const value = args[camelCase(key)];
        if (value !== undefined) expect([key, kindOfValue(value)]).toEqual([key, kindOf(spec)]);
        else expect(['default' in spec, key in command.positionals]).toEqual([false, false]);
      }
    },
  );

  it('fills every kind of field from the command line', async () => {
    const parsed = await parseCommand([
      '--gpus',
      '2',
      'pytorch',
      '-J',
      'name',
      '--bind',
      '/a',
      '--bind=/b:/c',
      '--ssh-client',
      'openssh',
      '--no-json',
      '--log-level=debug',
      '--',
      'python',
      '-c',
      '',
    ]);
    expect(parsed).toMatchObject({
      name: 'submit',
      args: {
        target: 'pytorch',
        gpu: '2',
        jobName: 'name',
        bind: ['/a', '/b:/c'],
        env: [],
        sshClient: 'openssh',
        json: false,
        logLevel: 'debug',
        command: ['python', '-c', ''],
      },
    });
  });

  it('types each field by its declaration', () => {
    expectTypeOf<SubmitArgs['target']>().toEqualTypeOf<string>();
    expectTypeOf<SubmitArgs['jobName']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<SubmitArgs['bind']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<SubmitArgs['command']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<SubmitArgs['dryRun']>().toEqualTypeOf<boolean>();
    expectTypeOf<DetectArgs['partition']>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<CacheArgs['action']>().toEqualTypeOf<'ls' | 'verify' | 'prune'>();
    expectTypeOf<CommonArgs['logLevel']>().toEqualTypeOf<LogLevel>();
    expectTypeOf<CommonArgs['sshClient']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<ImportArgs['via']>().toEqualTypeOf<string>();
    expectTypeOf<SubmitArgs>().toMatchTypeOf<CommonArgs>();
  });
});
