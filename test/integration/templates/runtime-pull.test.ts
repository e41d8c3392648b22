// The pull block's runtime detection and credentials, run for real under bash with a stand-in runtime that says a
// release's version: --authfile where the release has it, else the auth file's entry as that release's own variables
// for the pull command alone; the spelling of plain http; the sidecar's runtime; refusals with a sentence.
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CACHE } from '../../../src/cache/settings.js';
import { sidecarName, sifName } from '../../../src/image/names.js';
import { renderPullScript } from '../../../src/job/pull-script.js';
import { PULL } from '../../support/templates.js';

const DIGEST = `sha256:${'ef'.repeat(32)}`;
const HOST = '127.0.0.1:5000';
/**
 * /usr/bin without apptainer and singularity (a machine may have them): the stand-in is the only runtime on PATH.
 * Debian's /bin is /usr/bin, so PATH holds only this copy and the stand-in's directory.
 */
const SYSTEM_BIN = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-usr-bin-'));
  for (const name of readdirSync('/usr/bin'))
    if (!['apptainer', 'singularity', 'run-singularity'].includes(name))
      symlinkSync(join('/usr/bin', name), join(dir, name));
  return dir;
})();
const PASSWORD = `pw-${process.pid}-'"$(touch pwned)`;

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  /** One line per runtime call: its argv, then `|` and the credential variables it saw (NAME=value). */
  readonly calls: string[];
  readonly sidecar: Record<string, unknown> | undefined;
}

/** The pull script for one image, run by bash with `command` (apptainer or singularity) printing `versionLine`. */
function runPull(
  command: 'apptainer' | 'singularity',
  versionLine: string,
  options: { authText?: string; authMode?: number; noHttps?: boolean; cached?: boolean } = {},
): Run {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-runtime-pull-'));
  const bin = join(dir, 'bin');
  const cache = join(dir, 'cache');
  mkdirSync(bin);
  mkdirSync(cache);
  const calls = join(dir, 'calls');
  // The stand-in: --version answers, pull writes a file with SIF's magic at offset 32, inspect succeeds.
  writeFileSync(
    join(bin, command),
    `#!/bin/bash
creds=$(env | grep -E '^(APPTAINER|SINGULARITY)_DOCKER_|^DOCKER_(USERNAME|PASSWORD)=' | sort | tr '\\n' ' ')
printf '%s|%s\\n' "$*" "$creds" >> ${JSON.stringify(calls)}
case $1 in
  --version) echo ${JSON.stringify(versionLine)} ;;
  pull) printf '%32sSIF_MAGIC' '' > "\${@: -2:1}" ;;
esac
exit 0
`,
  );
  chmodSync(join(bin, command), 0o755);
  if (options.cached) writeFileSync(join(cache, sifName(DIGEST)), 'cached');
  let authFile: string | undefined;
  if (options.authText !== undefined) {
    authFile = join(dir, 'auth.json');
    writeFileSync(authFile, options.authText);
    chmodSync(authFile, options.authMode ?? 0o600);
  }
  const script = renderPullScript(
    PULL,
    { ...DEFAULT_CACHE, minFreeBytes: 1024 },
    {
      image: {
        displayRef: `${HOST}/nvidia/pytorch:25.10-py3`,
        pullRef: `docker://${HOST}/nvidia/pytorch@${DIGEST}`,
        digest: DIGEST,
        noHttps: options.noHttps ?? true,
        authFile,
      },
      imageCacheDir: cache,
      sbatch: { jobName: 'pull', partition: 'short', account: undefined, time: undefined, output: undefined },
    },
  );
  const result = spawnSync('bash', ['-s'], {
    input: script,
    env: { PATH: `${bin}:${SYSTEM_BIN}`, HOME: dir },
    cwd: dir,
    encoding: 'utf8',
  });
  expect(existsSync(join(dir, 'pwned'))).toBe(false);
  const sidecarFile = join(cache, sidecarName(DIGEST));
  return {
    code: result.status,
    stderr: result.stderr,
    calls: existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [],
    sidecar: existsSync(sidecarFile)
      ? (JSON.parse(readFileSync(sidecarFile, 'utf8')) as Record<string, unknown>)
      : undefined,
  };
}

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
/** As the tool's login writes it (pretty, two registries). */
const AUTH = JSON.stringify(
  { auths: { 'other.example': { auth: basic('x', 'y') }, [HOST]: { auth: basic('qsc', PASSWORD) } } },
  null,
  2,
);
const pullLine = (partialAndRef: string) => `pull --disable-cache ${partialAndRef}`;

describe('the pull block on each runtime', () => {
  it('Apptainer 1.4: --authfile names the file; no credential variable; the sidecar records the runtime', () => {
    const run = runPull('apptainer', 'apptainer version 1.4.5', { authText: AUTH });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls[0]).toBe('--version|');
    expect(run.calls[1]).toMatch(
      /^pull --disable-cache --no-https --authfile \S+auth\.json \S+\.partial\.\S+ docker:\S+\|$/,
    );
    expect(run.calls.slice(2).map((c) => c.split(' ')[0])).toEqual(['inspect']);
    expect(run.sidecar).toMatchObject({ digest: DIGEST, runtime: 'apptainer', runtimeVersion: '1.4.5' });
    expect(run.stderr).toContain('with apptainer 1.4.5');
  });

  it.each([
    ['apptainer', 'apptainer version 1.3.6', 'apptainer', '1.3.6', 'APPTAINER', '--no-https'],
    ['singularity', 'apptainer version 1.2.5', 'apptainer', '1.2.5', 'APPTAINER', '--no-https'],
    ['singularity', 'singularity-ce version 3.11.5', 'singularity-ce', '3.11.5', 'SINGULARITY', '--no-https'],
    ['singularity', 'singularity-ce version 4.0.3', 'singularity-ce', '4.0.3', 'SINGULARITY', '--no-https'],
    ['singularity', 'singularity-ce version 3.8.4', 'singularity-ce', '3.8.4', 'SINGULARITY', '--nohttps'],
    ['singularity', 'singularity version 3.8.7', 'singularity', '3.8.7', 'SINGULARITY', '--nohttps'],
  ] as const)(
    '%s printing "%s": no --authfile; the entry as %s… variables %s on the pull alone, %s',
    (command, versionLine, name, version, prefix, httpFlag) => {
      const run = runPull(command, versionLine, { authText: AUTH });
      expect(run.code, run.stderr).toBe(0);
      const [pull, ...rest] = run.calls.slice(1);
      const [argv, creds] = pull!.split('|');
      expect(argv).toMatch(new RegExp(`^${pullLine(`${httpFlag} \\S+\\.partial\\.\\S+ docker://\\S+`)}$`));
      expect(creds).toBe(`${prefix}_DOCKER_PASSWORD=${PASSWORD} ${prefix}_DOCKER_USERNAME=qsc `);
      // The script's own environment never held them: the next runtime call (inspect) sees none.
      expect(rest).toEqual([expect.stringMatching(/^inspect \S+\|$/)]);
      expect(run.sidecar).toMatchObject({ runtime: name, runtimeVersion: version });
    },
  );

  it('SingularityCE 4.1 takes --authfile', () => {
    const run = runPull('singularity', 'singularity-ce version 4.1.0', { authText: AUTH });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls[1]).toMatch(/ --authfile /);
  });

  it('an https registry gets no http flag; an image without credentials gets none either', () => {
    const run = runPull('singularity', 'singularity version 3.8.7', { noHttps: false });
    expect(run.code, run.stderr).toBe(0);
    expect(run.calls[1]).toMatch(/^pull --disable-cache \S+\.partial\.\S+ docker:\S+\|$/);
  });

  it('refuses Singularity 2.x with a sentence, exit 69, before pulling', () => {
    const run = runPull('singularity', '2.6.1-dist', { authText: AUTH });
    expect(run.code).toBe(69);
    expect(run.stderr).toContain('is Singularity 2.6.1-dist, too old for qsub-container');
    expect(run.calls).toEqual(['--version|']);
  });

  it('refuses an identity token (only --authfile can carry it), a wider file, a missing entry: exit 77, no secret', () => {
    const token = JSON.stringify({ auths: { [HOST]: { auth: basic('qsc', ''), identitytoken: PASSWORD } } });
    for (const [options, words] of [
      [{ authText: token }, 'are an identity token'],
      [{ authText: AUTH, authMode: 0o644 }, 'is readable by others'],
      [
        { authText: JSON.stringify({ auths: { 'other.example': { auth: basic('x', 'y') } } }) },
        'has no user and password',
      ],
    ] as const) {
      const run = runPull('apptainer', 'apptainer version 1.3.6', options);
      expect(run.code, run.stderr).toBe(77);
      expect(run.stderr).toContain(words);
      expect(run.stderr).not.toContain(PASSWORD);
      expect(run.calls).toEqual(['--version|']);
    }
  });

  it('an unreadable version: a warning, credentials as variables', () => {
    const run = runPull('apptainer', 'something else', { authText: AUTH });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('could not read the version');
    expect(run.calls[1]).toContain('APPTAINER_DOCKER_USERNAME=qsc');
    expect(run.sidecar).toMatchObject({ runtime: 'apptainer', runtimeVersion: 'unknown' });
  });

  it('a cached image: the runtime is not asked anything (a cached start runs no extra process)', () => {
    const run = runPull('apptainer', 'apptainer version 1.3.6', { authText: AUTH, cached: true });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('using cached image');
    expect(run.calls).toEqual([]);
  });
});
