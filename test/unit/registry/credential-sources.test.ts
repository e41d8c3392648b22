// Credential sources other tools keep: Docker-format entries (identity tokens, empty entries beside a store), the
// credential helper protocol's answers, enroot's netrc file, and the order findCredentials reads them in.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/errors.js';
import { silentLogger } from '../../../src/log/types.js';
import { entryFor, helperFor, withEntry } from '../../../src/registry/auth-file.js';
import { helperServerUrl, readHelperAnswer } from '../../../src/registry/credential-helper.js';
import { createRegistryClient } from '../../../src/registry/client.js';
import { findCredentials } from '../../../src/registry/credentials.js';
import { machinesFor, netrcCredentialsFor, parseNetrc } from '../../../src/registry/netrc.js';
import { Secret } from '../../../src/secret.js';
import type { RunRequest, Runner, RunResult } from '../../../src/transport/runner.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ran = (code: number | null, stdout = '', stderr = ''): RunResult => ({ code, stdout, stderr, timedOut: false });

describe('Docker-format entries', () => {
  it('an identitytoken entry ("user:" in auth) is an identity token, not a broken password entry', () => {
    const json = { auths: { 'nvcr.io': { auth: b64('someone:'), identitytoken: 'refresh-1' } } };
    const entry = entryFor(json, 'nvcr.io', 'f');
    expect(entry).toMatchObject({ username: 'someone', kind: 'identity-token' });
    expect(entry?.password.reveal()).toBe('refresh-1');
    // Written for the job the way Docker writes it, and read back the same.
    const written = withEntry({}, 'h', 'someone', new Secret('refresh-1'), 'identity-token');
    expect(written.auths!.h).toEqual({ auth: b64('someone:'), identitytoken: 'refresh-1' });
    expect(entryFor(written, 'h', 'f')).toMatchObject({ username: 'someone', kind: 'identity-token' });
  });

  it('an empty entry is no inline credential (the secret is in a store), a half entry is an error', () => {
    expect(entryFor({ auths: { 'nvcr.io': {} }, credsStore: 'desktop' }, 'nvcr.io', 'f')).toBeUndefined();
    expect(() => entryFor({ auths: { h: { auth: b64('user:') } } }, 'h', 'f')).toThrow(/without a user and password/);
  });

  it('names the helper: credHelpers for the host first, else credsStore; refuses names that could be paths', () => {
    const json = { credsStore: 'desktop', credHelpers: { 'nvcr.io': 'ngc' } };
    expect(helperFor(json, 'nvcr.io', 'f')).toEqual({ name: 'ngc', named: true });
    expect(helperFor(json, 'quay.io', 'f')).toEqual({ name: 'desktop', named: false });
    expect(helperFor({}, 'quay.io', 'f')).toBeUndefined();
    expect(() => helperFor({ credsStore: '../../bin/sh' }, 'h', 'f')).toThrow(/not a program suffix/);
  });
});

describe('credential helper protocol answers', () => {
  const answer = (Username: string, Secret: string) => JSON.stringify({ ServerURL: 'nvcr.io', Username, Secret });

  it('reads {Username, Secret}; Username "<token>" marks an identity token', () => {
    const found = readHelperAnswer('pass', ran(0, answer('$oauthtoken', 'nvapi-1')));
    expect(found).toMatchObject({ kind: 'found', username: '$oauthtoken', identityToken: false });
    expect(readHelperAnswer('pass', ran(0, answer('<token>', 'r')))).toMatchObject({ identityToken: true });
  });

  it('"credentials not found in native keychain" (on stdout, as the helpers print it, or stderr) is not found', () => {
    expect(readHelperAnswer('pass', ran(1, 'credentials not found in native keychain\n'))).toEqual({
      kind: 'not-found',
    });
    expect(readHelperAnswer('pass', ran(1, '', 'credentials not found in native keychain'))).toEqual({
      kind: 'not-found',
    });
    expect(readHelperAnswer('desktop', ran(127))).toEqual({ kind: 'not-installed' });
  });

  it('other failures are 77 without quoting what the helper printed', () => {
    for (const result of [ran(2, 'half nvapi-SECRET', 'boom nvapi-SECRET'), ran(0, 'not json nvapi-SECRET')]) {
      const error = (() => {
        try {
          readHelperAnswer('pass', result);
        } catch (e) {
          return e as Error & { exitCode: number; hint: string };
        }
      })();
      expect(error?.exitCode).toBe(ExitCode.auth);
      expect(`${error?.message} ${error?.hint}`).not.toContain('SECRET');
    }
  });

  it("sends Docker Hub's historic server URL, else the host", () => {
    expect(helperServerUrl('registry-1.docker.io')).toBe('https://index.docker.io/v1/');
    expect(helperServerUrl('127.0.0.1:5001')).toBe('127.0.0.1:5001');
  });
});

describe("enroot's netrc file", () => {
  const text = `# NVIDIA GPU Cloud
machine authn.nvidia.com login $oauthtoken password nvapi-authn
machine 127.0.0.1 login qsc
  password from-env-\${X}
machine example.org login a password $MY_KEY
macdef init
  machine evil.example login x password y

default login anyone password everywhere
`;

  it('parses machines, skips comments, macdef bodies and default', () => {
    expect(parseNetrc(text).map((e) => e.machine)).toEqual(['authn.nvidia.com', '127.0.0.1', 'example.org']);
  });

  it('nvcr.io is found under its token service authn.nvidia.com; ports are ignored as enroot does', () => {
    expect(machinesFor('nvcr.io')).toEqual(['nvcr.io', 'authn.nvidia.com']);
    expect(netrcCredentialsFor(parseNetrc(text), 'nvcr.io', {})).toEqual({
      username: '$oauthtoken',
      password: 'nvapi-authn',
      machine: 'authn.nvidia.com',
    });
    expect(netrcCredentialsFor(parseNetrc(text), '127.0.0.1:5001', {})?.username).toBe('qsc');
    expect(netrcCredentialsFor(parseNetrc(text), 'registry-1.docker.io', {})).toBeUndefined(); // not "default"
  });

  it('a password written $NAME is read from the environment (never through a shell); unset means no entry', () => {
    expect(netrcCredentialsFor(parseNetrc(text), 'example.org', { MY_KEY: 'k' })?.password).toBe('k');
    expect(netrcCredentialsFor(parseNetrc(text), 'example.org', {})).toBeUndefined();
  });
});

/** A runner that plays docker-credential-NAME: answers by helper name and the server URL on stdin; records argv. */
function fakeHelpers(answers: Record<string, (url: string) => RunResult>) {
  const calls: RunRequest[] = [];
  const runner: Runner = {
    id: 'fake',
    run: async (request) => {
      calls.push(request);
      const name = request.argv[0]!.replace('docker-credential-', '');
      return answers[name]?.(request.stdin ?? '') ?? ran(127, '', 'command not found');
    },
  };
  return { runner, calls };
}

describe('findCredentials over the other tools’ files', () => {
  const home = mkdtempSync(join(tmpdir(), 'qsc-sources-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const file = (path: string, content: string, mode = 0o600) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
    chmodSync(path, mode);
    return path;
  };
  const paths = (runner: Runner) => ({ toolFile: join(home, 'none.json'), home, helperRunner: runner });
  const helperAnswer = JSON.stringify({ ServerURL: 'x', Username: 'qsc', Secret: 'from-helper' });

  it('{"auths":{"nvcr.io":{}},"credsStore":"desktop"}: the store is asked (URL on stdin, never argv)', async () => {
    const docker = join(home, 'd1');
    file(join(docker, 'config.json'), '{"auths":{"nvcr.io":{}},"credsStore":"desktop"}');
    const { runner, calls } = fakeHelpers({ desktop: () => ran(0, helperAnswer) });
    const found = await findCredentials('nvcr.io', { DOCKER_CONFIG: docker }, paths(runner));
    expect(found).toMatchObject({
      username: 'qsc',
      origin: 'elsewhere',
      source: expect.stringContaining('credsStore'),
    });
    expect(found?.password.reveal()).toBe('from-helper');
    expect(calls).toEqual([{ argv: ['docker-credential-desktop', 'get'], stdin: 'nvcr.io', timeoutMs: 30_000 }]);
  });

  it('a helper that is not installed: an error when the file says it holds this registry, passed over otherwise', async () => {
    const docker = join(home, 'd2');
    file(join(docker, 'config.json'), '{"auths":{"nvcr.io":{}},"credsStore":"desktop"}');
    const { runner } = fakeHelpers({});
    await expect(findCredentials('nvcr.io', { DOCKER_CONFIG: docker }, paths(runner))).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('docker-credential-desktop, which is not on PATH'),
    });
    expect(await findCredentials('quay.io', { DOCKER_CONFIG: docker }, paths(runner))).toBeUndefined();
  });

  it('credHelpers serves only its registry; "not found" falls through to the next source', async () => {
    const docker = join(home, 'd3');
    file(join(docker, 'config.json'), '{"credHelpers":{"127.0.0.1:5001":"qsctest"}}');
    const { runner, calls } = fakeHelpers({
      qsctest: (url) =>
        url === '127.0.0.1:5001' ? ran(0, helperAnswer) : ran(1, 'credentials not found in native keychain'),
    });
    expect(await findCredentials('127.0.0.1:5001', { DOCKER_CONFIG: docker }, paths(runner))).toMatchObject({
      username: 'qsc',
    });
    expect(await findCredentials('127.0.0.1:5000', { DOCKER_CONFIG: docker }, paths(runner))).toBeUndefined();
    expect(calls.map((c) => c.stdin)).toEqual(['127.0.0.1:5001']); // never asked for a registry it does not serve
  });

  it("podman's auth.json (REGISTRY_AUTH_FILE, else XDG_RUNTIME_DIR, then XDG_CONFIG_HOME) and enroot's file", async () => {
    const { runner } = fakeHelpers({});
    const entry = (host: string, user: string) => JSON.stringify({ auths: { [host]: { auth: b64(`${user}:pw`) } } });
    const env = {
      DOCKER_CONFIG: join(home, 'none'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      XDG_CONFIG_HOME: join(home, 'config'),
    };
    file(join(home, 'run', 'containers', 'auth.json'), entry('a.example', 'runtime'));
    file(
      join(home, 'config', 'containers', 'auth.json'),
      entry('a.example', 'config').replace('}}}', '},"b.example":{"auth":"' + b64('cfg:pw') + '"}}}'),
    );
    file(join(home, 'config', 'enroot', '.credentials'), 'machine c.example login enrootuser password pw\n');
    expect((await findCredentials('a.example', env, paths(runner)))?.username).toBe('runtime');
    expect((await findCredentials('b.example', env, paths(runner)))?.username).toBe('cfg');
    const enroot = await findCredentials('c.example', env, paths(runner));
    expect(enroot).toMatchObject({ username: 'enrootuser', source: expect.stringContaining('enroot credentials') });
    const override = file(join(home, 'override.json'), entry('a.example', 'override'));
    expect(
      (await findCredentials('a.example', { ...env, REGISTRY_AUTH_FILE: override }, paths(runner)))?.username,
    ).toBe('override');
    expect(await findCredentials('d.example', env, paths(runner))).toBeUndefined();
    chmodSync(join(home, 'config', 'enroot', '.credentials'), 0o644);
    await expect(findCredentials('c.example', env, paths(runner))).rejects.toMatchObject({ exitCode: ExitCode.auth });
  });
});

describe('identity tokens at the token service', () => {
  it('are exchanged by a POSTed refresh-token grant (never sent as Basic), and refused by a Basic registry', async () => {
    const seen: Array<{ method: string; url: string; authorization: string | null; body: string | undefined }> = [];
    const bearer = (async (input: string, init: RequestInit = {}) => {
      const url = new URL(String(input));
      const headers = new Headers(init.headers);
      seen.push({
        method: init.method ?? 'GET',
        url: url.pathname,
        authorization: headers.get('authorization'),
        body: init.body as string | undefined,
      });
      if (url.pathname === '/token')
        return new Response(JSON.stringify({ access_token: 'T', expires_in: 300 }), { status: 200 });
      if (headers.get('authorization') === 'Bearer T') return new Response('{"tags":["a"]}', { status: 200 });
      return new Response(null, {
        status: 401,
        headers: { 'www-authenticate': 'Bearer realm="https://auth.example/token",service="svc"' },
      });
    }) as typeof fetch;
    const credentials = {
      username: '<token>',
      password: new Secret('refresh-9'),
      kind: 'identity-token' as const,
      source: 's',
    };
    const client = createRegistryClient(
      { host: 'r.example', scheme: 'https' },
      { fetch: bearer, credentials, blobCache: undefined, log: silentLogger },
    );
    expect(await client.listTags('x/y')).toEqual(['a']);
    const token = seen.find((s) => s.url === '/token')!;
    expect(token.method).toBe('POST');
    expect(token.authorization).toBeNull();
    expect(Object.fromEntries(new URLSearchParams(token.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-9',
      service: 'svc',
      scope: 'repository:x/y:pull',
      client_id: 'qsub-container',
    });

    const basicSeen: Array<string | null> = [];
    const basic = (async (_input: string, init: RequestInit = {}) => {
      basicSeen.push(new Headers(init.headers).get('authorization'));
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Basic realm="r"' } });
    }) as typeof fetch;
    const basicClient = createRegistryClient(
      { host: 'b.example', scheme: 'https' },
      { fetch: basic, credentials, blobCache: undefined, log: silentLogger },
    );
    await expect(basicClient.ping()).rejects.toMatchObject({
      exitCode: ExitCode.auth,
      message: expect.stringContaining('identity token'),
    });
    expect(basicSeen).toEqual([null]);
  });
});
