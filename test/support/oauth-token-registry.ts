// A second, private pair of the testbed's token registry for one test file: this checkout's token-server.mjs (with the
// OAuth2 form Docker's identitytoken needs) and a read-only Distribution registry over the same storage and signing
// key, on free ports. The live pair (:5001/:5002) is left as up.sh made it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ETC = '/etc/qsc-testbed/token-registry';
const SERVER_SCRIPT = fileURLToPath(new URL('../../deploy/testbed/token-server.mjs', import.meta.url));
export const TOKEN_SERVICE = 'qsc-token-registry';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface OauthTokenRegistry {
  /** host:port of the registry. */
  readonly registry: string;
  /** origin of its token server (the realm is `${tokenServer}/token`). */
  readonly tokenServer: string;
  /** What `docker login` does for an identity token: the password grant with access_type=offline. */
  refreshTokenFor(user: string, password: string): Promise<string>;
  /** The token server's log (one JSON line per request, never a credential). */
  log(): string;
  stop(): void;
}

export async function startOauthTokenRegistry(): Promise<OauthTokenRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'qsc-oauth-registry-'));
  const [registryPort, serverPort] = [await freePort(), await freePort()];
  const tokenServer = `http://127.0.0.1:${serverPort}`;
  const serverConfig = {
    ...JSON.parse(readFileSync(join(ETC, 'token-server.json'), 'utf8')),
    listen: `127.0.0.1:${serverPort}`,
  };
  writeFileSync(join(dir, 'token-server.json'), JSON.stringify(serverConfig), { mode: 0o600 });
  // Read-only over the live registry's storage, with no upload purging: it must not change what :5001 serves.
  const registryConfig = readFileSync(join(ETC, 'registry.yml'), 'utf8')
    .replace(/^ {2}addr: .*$/m, `  addr: 127.0.0.1:${registryPort}`)
    .replace(/^ {4}realm: .*$/m, `    realm: ${tokenServer}/token`)
    .replace(
      /^storage:\n/m,
      'storage:\n  maintenance:\n    uploadpurging:\n      enabled: false\n    readonly:\n      enabled: true\n',
    );
  writeFileSync(join(dir, 'registry.yml'), registryConfig);
  const children: ChildProcess[] = [];
  const out: Buffer[] = [];
  const server = spawn(process.execPath, [SERVER_SCRIPT, join(dir, 'token-server.json')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (b: Buffer) => out.push(b));
  children.push(server);
  const registry = spawn('docker-registry', ['serve', join(dir, 'registry.yml')], {
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  children.push(registry);
  const stop = () => {
    for (const child of children) child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('the token server', async () => (await fetch(`${tokenServer}/token?service=${TOKEN_SERVICE}`)).ok);
    await until('the registry', async () => (await fetch(`http://127.0.0.1:${registryPort}/v2/`)).status === 401);
  } catch (error) {
    stop();
    throw error;
  }
  return {
    registry: `127.0.0.1:${registryPort}`,
    tokenServer,
    async refreshTokenFor(user, password) {
      const form = new URLSearchParams({
        grant_type: 'password',
        username: user,
        password,
        access_type: 'offline',
        service: TOKEN_SERVICE,
        client_id: 'qsc-tests',
      });
      const answer = await fetch(`${tokenServer}/token`, { method: 'POST', body: form });
      const body = (await answer.json()) as { refresh_token?: string };
      if (!body.refresh_token) throw new Error(`no refresh token for ${user} (HTTP ${answer.status})`);
      return body.refresh_token;
    },
    log: () => Buffer.concat(out).toString('utf8'),
    stop,
  };
}
