// Behind a proxy, as the cluster user: the testbed's tinyproxy (deploy/testbed/lib/proxy.sh) and a registry only the
// proxy's Unix user can reach (registry.proxied.test:5005). tags, submit --dry-run and a job's own pull get through;
// NO_PROXY bypasses it; loopback is not bypassed implicitly; https goes through a CONNECT tunnel.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLI,
  CLUSTER_USER,
  freshCacheDir,
  qsc,
  REGISTRY,
  REGISTRY_USER,
  registryPassword,
  runAsUser,
  sh,
  waitForJob,
} from '../support/cluster.js';
import { authFileFor } from '../support/token-registry.js';
import { removeUserTempDirs, userTempDir } from '../support/user-temp.js';

const PROXY = '127.0.0.1:3128';
const PROXY_USER = 'qscproxy';
const PROXY_PASSWORD_FILE = '/var/lib/qsc-testbed/proxy-password';
const PROXY_LOG = '/var/log/qsc-testbed/tinyproxy.log';
const PROXIED = 'registry.proxied.test:5005';

const proxyPassword = () => {
  if (!existsSync(PROXY_PASSWORD_FILE))
    throw new Error('the proxy testbed is not up: run deploy/testbed/lib/proxy.sh up (as root)');
  return readFileSync(PROXY_PASSWORD_FILE, 'utf8').trim();
};
const proxyUrl = () => `http://${PROXY_USER}:${proxyPassword()}@${PROXY}`;
const proxyLogSize = () => statSync(PROXY_LOG).size;
const proxyLogSince = (offset: number) => readFileSync(PROXY_LOG).subarray(offset).toString('utf8');

afterAll(removeUserTempDirs);
const uid = () => Number(sh('id', ['-u', CLUSTER_USER]));
function userFile(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  chownSync(file, uid(), uid());
  return file;
}

/** An environment with credentials for the proxied registry (it shares the :5000 password file) and for :5000. */
function world() {
  const dir = userTempDir('qsc-proxy');
  const auths = {
    auths: {
      ...JSON.parse(authFileFor(PROXIED, REGISTRY_USER, registryPassword())).auths,
      ...JSON.parse(authFileFor(REGISTRY, REGISTRY_USER, registryPassword())).auths,
    },
  };
  const env = {
    QSUB_CONTAINER_AUTH_FILE: userFile(dir, 'auth.json', JSON.stringify(auths)),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_CONFIG_HOME: join(dir, 'config'),
  };
  return { dir, env };
}
const tags = (registry: string, env: Record<string, string>) =>
  qsc(['tags', 'tensorflow', '--registry', registry, '--driver', '525.105.17', '--json', '--log-level', 'debug'], env);

describe('a registry reachable only through the proxy', () => {
  beforeAll(() => proxyPassword());

  it('is unreachable directly, for the tool too (it answers from the offline seed, saying why)', async () => {
    const curl = await runAsUser(['curl', '-s', '-o', '/dev/null', '--max-time', '3', `http://${PROXIED}/v2/`]);
    expect(curl.code).toBe(7); // connection refused: the iptables owner match resets it
    const { env } = world();
    const direct = await tags(`http://${PROXIED}`, env);
    expect(direct.stderr).toContain(`registry ${PROXIED} is unreachable`);
    expect(JSON.parse(direct.stdout)).toMatchObject({ source: 'seed' });
  });

  it.each(['HTTP_PROXY', 'http_proxy'])('tags through the proxy (%s), its password in no output', async (variable) => {
    const { env } = world();
    const before = proxyLogSize();
    const result = await tags(`http://${PROXIED}`, { ...env, [variable]: proxyUrl() });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ source: 'registry', selected: { tag: '23.01-tf2-py3' } });
    expect(proxyLogSince(before)).toContain(`http://${PROXIED}/v2/nvidia/tensorflow/tags/list`);
    for (const text of [result.stdout, result.stderr, proxyLogSince(before)])
      expect(text).not.toContain(proxyPassword());
  });

  it('submit --dry-run through the proxy', async () => {
    const { env } = world();
    const dry = await qsc(
      [
        '--gpu',
        'tensorflow',
        '-p',
        'gengpu',
        '--driver',
        '580.159.04',
        '--registry',
        `http://${PROXIED}`,
        '--dry-run',
        '--',
        'true',
      ],
      { ...env, HTTP_PROXY: proxyUrl() },
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`${PROXIED}/nvidia/tensorflow`);
    expect(dry.stdout).not.toContain(proxyPassword());
  });

  it('NO_PROXY bypasses it (a domain with a leading dot; a loopback address when listed, and only then)', async () => {
    const { env } = world();
    const bypassed = await tags(`http://${PROXIED}`, { ...env, HTTP_PROXY: proxyUrl(), NO_PROXY: '.proxied.test' });
    expect(bypassed.stderr).toContain(`registry ${PROXIED} is unreachable`);
    // A dead proxy: the :5000 registry on loopback is reached only when NO_PROXY names it.
    const dead = { ...env, HTTP_PROXY: 'http://127.0.0.1:9' };
    const through = await tags(REGISTRY, dead);
    expect(through.stderr).toContain('proxy http://127.0.0.1:9 is unreachable (ECONNREFUSED)');
    const listed = await tags(REGISTRY, { ...dead, NO_PROXY: 'localhost,127.0.0.1' });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ source: 'registry' });
  });

  it("a job's own pull goes through the proxy (Apptainer reads HTTP_PROXY from the job's environment)", async () => {
    const { env } = world();
    const result = await qsc(
      ['tensorflow', '-p', 'short', '--driver', '580.159.04', '--registry', `http://${PROXIED}`].concat([
        '--cache-dir',
        freshCacheDir('proxy'),
        '--',
        'sh',
        '-c',
        'echo CUDA=$CUDA_VERSION',
      ]),
      { ...env, HTTP_PROXY: proxyUrl() },
    );
    expect(result.code, result.stderr).toBe(0);
    const before = proxyLogSize();
    const run = await waitForJob(result.stdout.trim());
    expect(run).toMatchObject({ state: 'COMPLETED', output: expect.stringContaining('CUDA=12.8.0.038') });
    expect(run.output).toContain(`pulling ${PROXIED}/nvidia/tensorflow`);
    expect(proxyLogSince(before)).toContain(PROXIED);
  });
});

describe('an https registry through a CONNECT tunnel', () => {
  const servers: Array<ReturnType<typeof createServer>> = [];
  afterAll(() => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  });

  it('login over TLS end to end through the proxy (the proxy sees only CONNECT)', async () => {
    const dir = userTempDir('qsc-proxy-tls');
    const certFile = join(dir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=qsc-proxy-test', '-addext', 'subjectAltName=IP:127.0.0.1',
      '-keyout', join(dir, 'key.pem'), '-out', certFile,
    ], { stdio: 'pipe' }); // prettier-ignore
    execFileSync('chmod', ['0644', certFile]);
    const basic = `Basic ${Buffer.from('tls-user:tls-password').toString('base64')}`;
    const server = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(certFile) },
      (req, res) => {
        if (req.headers.authorization === basic) return void res.writeHead(200).end('{}');
        res.writeHead(401, { 'www-authenticate': 'Basic realm="tls"' }).end();
      },
    );
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const before = proxyLogSize();
    const login = await runAsUser(
      [CLI, 'login', `https://127.0.0.1:${port}`, '-u', 'tls-user', '--password-stdin'],
      { NODE_EXTRA_CA_CERTS: certFile, XDG_CONFIG_HOME: join(dir, 'config'), HTTPS_PROXY: proxyUrl() },
      'tls-password',
    );
    expect(login.code, login.stderr).toBe(0);
    const log = proxyLogSince(before);
    expect(log).toContain(`CONNECT 127.0.0.1:${port}`);
    expect(log).not.toContain('/v2/'); // the path stayed inside TLS
  });
});
