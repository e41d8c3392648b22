// Warm-test helpers: push images to a test's own repository, write configs, count registry requests, run a throttling proxy.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { asClusterUser, CLI, CLUSTER_USER, REGISTRY, REGISTRY_USER, registryPassword } from './cluster.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const IMAGES = readFileSync(join(ROOT, 'deploy/testbed/images.txt'), 'utf8');
export const REGISTRY_LOG = '/var/log/qsc-testbed/registry.log';

/** Temp dirs this run made (configs, auth files, XDG caches, seed files), removed by removeTempDirs(). */
const tempDirs: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(prefix);
  tempDirs.push(dir);
  return dir;
};
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A repository path of this test's own, e.g. e2e/warm-3f9a1c/tensorflow: never nvidia/*. */
export const ownRepository = (what: string, name = 'tensorflow') =>
  `e2e/${what}-${randomBytes(3).toString('hex')}/${name}`;

/** Push tags of the seeded nvidia/<name> (same env) to `repository`; extra env makes a distinct digest. */
export function pushTags(repository: string, tags: readonly string[], extraEnv: readonly string[] = []): void {
  const source = repository.split('/').at(-1)!;
  const lines = tags.map((tag) => {
    const line = IMAGES.split('\n').find((l) => l.startsWith(`nvidia/${source} ${tag} `));
    if (!line) throw new Error(`no nvidia/${source} ${tag} in images.txt`);
    return [repository, ...line.split(' ').slice(1), ...extraEnv].join(' ');
  });
  pushLines(lines);
}

/** Push images described like images.txt lines (REPOSITORY TAG KEY=VALUE...). */
export function pushLines(lines: readonly string[]): void {
  const dir = tempDir('/tmp/qsc-warm-seed-');
  writeFileSync(join(dir, 'images.txt'), `${lines.join('\n')}\n`);
  execFileSync('bash', [join(ROOT, 'deploy/testbed/seed-images.sh'), join(dir, 'images.txt')], { stdio: 'pipe' });
}

/** A file the cluster user owns (configs, auth files), in a fresh temp dir. */
export function userFile(name: string, content: string, mode = 0o644): string {
  const dir = tempDir('/tmp/qsc-warm-');
  chownSync(dir, uid(), gid());
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  chownSync(path, uid(), gid());
  return path;
}

export const uid = () => Number(execFileSync('id', ['-u', CLUSTER_USER], { encoding: 'utf8' }).trim());
export const gid = () => Number(execFileSync('id', ['-g', CLUSTER_USER], { encoding: 'utf8' }).trim());

/** Environment for the CLI: its own config, and its own XDG cache (driver answers, remembered tags). */
export function warmEnv(config: unknown, extra: Record<string, string> = {}): Record<string, string> {
  const xdg = tempDir('/tmp/qsc-warm-xdg-');
  chownSync(xdg, uid(), gid());
  return { QSUB_CONTAINER_CONFIG: userFile('config.json', JSON.stringify(config)), XDG_CACHE_HOME: xdg, ...extra };
}

/** Registry access-log lines from now on that mention `repository`. */
export function registryLogFrom(): (repository: string) => string[] {
  const start = readFileSync(REGISTRY_LOG, 'utf8').split('\n').length - 1;
  return (repository) =>
    readFileSync(REGISTRY_LOG, 'utf8')
      .split('\n')
      .slice(start)
      .filter((l) => l.includes(`/v2/${repository}/`));
}

/** An auth file for another registry address with the testbed's credentials (mode 0600, owned by the cluster user). */
export function authFileFor(host: string): string {
  const auth = Buffer.from(`${REGISTRY_USER}:${registryPassword()}`).toString('base64');
  return userFile('auth.json', JSON.stringify({ auths: { [host]: { auth } } }), 0o600);
}

/**
 * A forwarding proxy to the testbed registry on a port of its own: a registry the test may stop and start, and whose
 * blob downloads it may hold (so a pull is still running when the test signals the warmer).
 */
export class RegistryProxy {
  private server: Server | undefined;
  holdBlobs = false;
  private held: Array<() => void> = [];
  constructor(public port = 0) {}
  get host() {
    return `127.0.0.1:${this.port}`;
  }
  async start(): Promise<void> {
    const [targetHost, targetPort] = REGISTRY.split(':');
    this.server = createServer((req, res) => {
      const forward = () => {
        const upstream = request(
          { host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      };
      // Only the runtime's layer downloads are held (the warmer itself reads config blobs with Node's fetch).
      const runtime = !/^node/.test(req.headers['user-agent'] ?? '');
      if (this.holdBlobs && runtime && req.method === 'GET' && /\/blobs\//.test(req.url ?? '')) this.held.push(forward);
      else forward();
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  async stop(): Promise<void> {
    this.held = [];
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
  get heldCount() {
    return this.held.length;
  }
  /** Let held downloads go on (and stop holding new ones). */
  releaseHeld(): void {
    this.holdBlobs = false;
    for (const forward of this.held.splice(0)) forward();
  }
}

/** Start the CLI as the cluster user in the background; stdout/stderr collected. */
export function startAsUser(
  args: readonly string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const run = asClusterUser([CLI, ...args], env);
  const child = spawn(run.command, run.args, { env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
  child.stderr.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** The CLI's own process under runuser (runuser → node), to signal it as a service manager would. */
export function cliPid(runuserPid: number): number {
  const children = execFileSync('pgrep', ['-P', String(runuserPid)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .filter(Boolean);
  if (children.length !== 1)
    throw new Error(`expected one child of runuser ${runuserPid}, found ${children.join(',') || 'none'}`);
  return Number(children[0]);
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
