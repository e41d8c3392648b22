// Credential sources end to end, as the cluster user against the testbed registries (Basic :5000, token :5001): a real
// credential helper on PATH (credHelpers, credsStore beside an empty entry), identity tokens (a private copy of the
// token registry whose token server speaks the OAuth2 form), podman's and enroot's files, the environment scoped to
// the configured registry, and enroot/pyxis "REGISTRY#IMAGE" references. Each source serves its registry only.
import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_USER,
  freshCacheDir,
  qsc,
  REGISTRY,
  REGISTRY_USER,
  registryPassword,
  sh,
  waitForJob,
} from '../support/cluster.js';
import { startOauthTokenRegistry, type OauthTokenRegistry } from '../support/oauth-token-registry.js';
import { authFileFor, TOKEN_REGISTRY, tokenPassword } from '../support/token-registry.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

afterAll(removeUserTempDirs);

const uid = () => Number(sh('id', ['-u', CLUSTER_USER]));
/** A file of the cluster user's (mode 0600 unless told), its directories made as theirs too. */
function userFile(path: string, content: string, mode = 0o600): string {
  sh('runuser', ['-u', CLUSTER_USER, '--', 'mkdir', '-p', join(path, '..')]);
  writeFileSync(path, content);
  chmodSync(path, mode);
  chownSync(path, uid(), uid());
  return path;
}
const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A docker-credential helper in the protocol's reference shape (a small shell script): `get` reads the server URL on
 * stdin, answers {"ServerURL","Username","Secret"} from its store (a 0600 file per URL: user line, secret line), or
 * prints "credentials not found in native keychain" and exits 1. It logs each URL it was asked for (never a secret).
 */
const HELPER = `#!/bin/sh
[ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
here=$(dirname "$0")
IFS= read -r url || [ -n "$url" ]
printf '%s\\n' "$url" >>"$here/../asked.log"
case $url in */*|.*|'') url=/nonexistent ;; esac
if [ -f "$here/../store/$url" ]; then
  { IFS= read -r user; IFS= read -r secret; } <"$here/../store/$url"
  printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$url" "$user" "$secret"
else
  echo "credentials not found in native keychain"
  exit 1
fi
`;

/** A private world for one test: XDG dirs, no tool auth file, DOCKER_CONFIG, a bin dir with the helper on PATH. */
function world(label: string) {
  const dir = userTempDir(`qsc-sources-${label}`);
  userFile(join(dir, 'bin', 'docker-credential-qsctest'), HELPER, 0o755);
  userFile(join(dir, 'asked.log'), '');
  const env = {
    PATH: `${join(dir, 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    DOCKER_CONFIG: join(dir, 'docker'),
    QSUB_CONTAINER_AUTH_FILE: join(dir, 'no-auth.json'),
  };
  return {
    dir,
    env,
    store: (url: string, user: string, secret: string) => userFile(join(dir, 'store', url), `${user}\n${secret}\n`),
    dockerConfig: (json: unknown) => userFile(join(dir, 'docker', 'config.json'), JSON.stringify(json)),
    asked: () => readFileSync(join(dir, 'asked.log'), 'utf8').split('\n').filter(Boolean),
  };
}

const tags = (registry: string, env: Record<string, string>) =>
  qsc(['tags', 'tensorflow', '--registry', registry, '--driver', '525.105.17', '--json', '--log-level', 'debug'], env);
/** The source the debug log says the credentials came from. */
const sourceIn = (stderr: string) => /"event":"registry\.credentials".*?"source":"([^"]*)"/.exec(stderr)?.[1];
const NONE_FOUND = (registry: string) => `registry ${registry} requires credentials and none were found`;

describe('a real credential helper on PATH', () => {
  it('credHelpers: used for the registry it names, never asked for another', async () => {
    const w = world('credhelpers');
    w.store(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'));
    w.store(REGISTRY, REGISTRY_USER, registryPassword()); // in the store, but credHelpers does not name :5000
    w.dockerConfig({ credHelpers: { [TOKEN_REGISTRY]: 'qsctest' } });
    const ok = await tags(TOKEN_REGISTRY, w.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ source: 'registry', selected: { tag: '23.01-tf2-py3' } });
    expect(sourceIn(ok.stderr)).toContain('credential helper docker-credential-qsctest (credHelpers in');
    expect(ok.stderr).not.toContain(tokenPassword('qsc'));
    const other = await tags(REGISTRY, w.env);
    expect(other.stderr).toContain(NONE_FOUND(REGISTRY)); // answered from the offline seed, with that note
    expect(w.asked()).toEqual([TOKEN_REGISTRY]);
  });

  it('credsStore beside an empty auths entry (today exit 77): the store is asked, and a real job pulls with its 0600 copy', async () => {
    const w = world('credsstore');
    w.store(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc'));
    w.dockerConfig({ auths: { [TOKEN_REGISTRY]: {} }, credsStore: 'qsctest' });
    const args = ['tensorflow', '-p', 'short', '--driver', '580.159.04', '--registry', TOKEN_REGISTRY];
    const run = ['--cache-dir', freshCacheDir('credsstore'), '--', 'sh', '-c', 'echo CUDA=$CUDA_VERSION'];
    const result = await qsc([...args, ...run], w.env);
    expect(result.code, result.stderr).toBe(0);
    const jobAuth = join(
      w.env.XDG_CONFIG_HOME,
      'qsub-container',
      'job-auth',
      `${TOKEN_REGISTRY.replace(':', '_')}.json`,
    );
    expect(statSync(jobAuth).mode & 0o777).toBe(0o600);
    expect(await waitForJob(result.stdout.trim())).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=12.8.0.038'),
    });
    expect(w.asked()).toEqual([TOKEN_REGISTRY]);
  });

  it('a credsStore helper that is not installed, for a registry the file lists: 77 naming it, not "none found"', async () => {
    const w = world('missing');
    w.dockerConfig({ auths: { [TOKEN_REGISTRY]: {} }, credsStore: 'desktop' });
    const result = await tags(TOKEN_REGISTRY, w.env);
    expect(result.code).toBe(77);
    expect(result.stderr).toContain('docker-credential-desktop, which is not on PATH');
  });
});

describe('identity tokens (OAuth2 refresh tokens) against a token server that issues them', () => {
  let oauth: OauthTokenRegistry;
  beforeAll(async () => {
    oauth = await startOauthTokenRegistry();
  });
  afterAll(() => oauth?.stop());

  it('Docker\'s identitytoken entry and a helper\'s "<token>" answer: exchanged by the refresh-token grant; a job pulls with it', async () => {
    const refresh = await oauth.refreshTokenFor('qsc', tokenPassword('qsc'));
    const w = world('identity');
    w.dockerConfig({ auths: { [oauth.registry]: { auth: b64('qsc:'), identitytoken: refresh } } });
    const fromFile = await tags(oauth.registry, w.env);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toMatchObject({ source: 'registry' });
    expect(fromFile.stderr).not.toContain(refresh);
    const grants = oauth
      .log()
      .split('\n')
      .filter((l) => l.includes('"grant":"refresh_token"'))
      .map((l) => JSON.parse(l) as { clientId: string; user: string; status: number });
    expect(grants.length).toBeGreaterThan(0);
    expect(grants.every((g) => g.clientId === 'qsub-container' && g.user === 'qsc' && g.status === 200)).toBe(true);

    const h = world('identity-helper');
    h.store(oauth.registry, '<token>', refresh);
    h.dockerConfig({ credHelpers: { [oauth.registry]: 'qsctest' } });
    const fromHelper = await tags(oauth.registry, h.env);
    expect(fromHelper.code, fromHelper.stderr).toBe(0);

    // The job's Apptainer reads the identity token from the 0600 copy and does the same exchange.
    const job = await qsc(
      ['tensorflow', '-p', 'short', '--driver', '580.159.04', '--registry', oauth.registry].concat([
        '--cache-dir',
        freshCacheDir('identity'),
        '--',
        'sh',
        '-c',
        'echo CUDA=$CUDA_VERSION',
      ]),
      w.env,
    );
    expect(job.code, job.stderr).toBe(0);
    expect(await waitForJob(job.stdout.trim())).toMatchObject({
      state: 'COMPLETED',
      output: expect.stringContaining('CUDA=12.8.0.038'),
    });
  });
});

describe("podman's and enroot's files", () => {
  it("podman's auth.json ($XDG_RUNTIME_DIR/containers, then $XDG_CONFIG_HOME/containers): each entry for its registry only", async () => {
    const w = world('podman');
    userFile(
      join(w.env.XDG_RUNTIME_DIR, 'containers', 'auth.json'),
      authFileFor(REGISTRY, REGISTRY_USER, registryPassword()),
    );
    userFile(
      join(w.env.XDG_CONFIG_HOME, 'containers', 'auth.json'),
      authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc')),
    );
    for (const [registry, file] of [
      [REGISTRY, join(w.env.XDG_RUNTIME_DIR, 'containers', 'auth.json')],
      [TOKEN_REGISTRY, join(w.env.XDG_CONFIG_HOME, 'containers', 'auth.json')],
    ] as const) {
      const result = await tags(registry, w.env);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ source: 'registry' });
      expect(sourceIn(result.stderr)).toBe(`auth file ${file}`);
    }
    const onlyRuntime = world('podman-only');
    userFile(
      join(onlyRuntime.env.XDG_RUNTIME_DIR, 'containers', 'auth.json'),
      authFileFor(REGISTRY, REGISTRY_USER, registryPassword()),
    );
    expect((await tags(TOKEN_REGISTRY, onlyRuntime.env)).stderr).toContain(NONE_FOUND(TOKEN_REGISTRY));
  });

  it("enroot's .credentials (netrc; a $NAME password from the environment): used for its machine only", async () => {
    const w = world('enroot');
    userFile(
      join(w.env.XDG_CONFIG_HOME, 'enroot', '.credentials'),
      'machine nvcr.io login $oauthtoken password nvapi-not-for-the-testbed\nmachine 127.0.0.1 login qsc password $QSC_E2E_KEY\n',
    );
    const result = await tags(TOKEN_REGISTRY, { ...w.env, QSC_E2E_KEY: tokenPassword('qsc') });
    expect(result.code, result.stderr).toBe(0);
    expect(sourceIn(result.stderr)).toContain('enroot credentials');
    // Only an nvcr.io machine line: nothing for the testbed.
    const ngcOnly = world('enroot-ngc');
    userFile(
      join(ngcOnly.env.XDG_CONFIG_HOME, 'enroot', '.credentials'),
      'machine authn.nvidia.com login $oauthtoken password nvapi-x\n',
    );
    expect((await tags(TOKEN_REGISTRY, ngcOnly.env)).stderr).toContain(NONE_FOUND(TOKEN_REGISTRY));
  });
});

describe('environment credentials go to the configured registry only', () => {
  it('APPTAINER_DOCKER_* are not sent to a registry other than --registry (77 with the hint), and are for it', async () => {
    const w = world('env');
    const env = { ...w.env, APPTAINER_DOCKER_USERNAME: 'qsc', APPTAINER_DOCKER_PASSWORD: tokenPassword('qsc') };
    const image = `${TOKEN_REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`;
    const dry = (registry: string) =>
      qsc([image, '-p', 'short', '--driver', '580.159.04', '--registry', registry, '--dry-run', '--', 'true'], env);
    const elsewhere = await dry(REGISTRY);
    expect(elsewhere.code).toBe(77);
    expect(elsewhere.stderr).toContain(NONE_FOUND(TOKEN_REGISTRY));
    expect(elsewhere.stderr).toContain('count only for the configured registry');
    const configured = await dry(TOKEN_REGISTRY);
    expect(configured.code, configured.stderr).toBe(0);
  });
});

describe('enroot/pyxis references REGISTRY#IMAGE', () => {
  it('submit and import docker:// read them as REGISTRY/IMAGE, with a note', async () => {
    const w = world('hash');
    userFile(w.env.QSUB_CONTAINER_AUTH_FILE, authFileFor(TOKEN_REGISTRY, 'qsc', tokenPassword('qsc')));
    const ref = `${TOKEN_REGISTRY}#nvidia/tensorflow:25.02-tf2-py3`;
    const dry = await qsc([ref, '-p', 'short', '--driver', '580.159.04', '--dry-run', '--', 'true'], w.env);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(
      `note: read "${ref}" (the enroot/pyxis spelling) as ${TOKEN_REGISTRY}/nvidia/tensorflow:25.02-tf2-py3`,
    );
    expect(dry.stdout).toContain(`${TOKEN_REGISTRY}/nvidia/tensorflow`);
    const imported = await qsc(
      [
        'import',
        `docker://${TOKEN_REGISTRY}#nvidia/pytorch:25.10-py3`,
        '--via',
        'client',
        '--cache-dir',
        freshCacheDir('hash'),
        '--json',
      ],
      w.env,
    );
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('(the enroot/pyxis spelling)');
    expect(JSON.parse(imported.stdout)).toMatchObject({ built: true });
  });
});
