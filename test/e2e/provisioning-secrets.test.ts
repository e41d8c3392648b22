// The testbed's own provisioning keeps passwords off command lines (argv is readable by every user: ps,
// /proc/PID/cmdline): every step that handles one runs under strace, and no process it starts carries a password,
// base64(user:password), a password hash, a bearer token or the hostile neighbour's private SSH key in its argv — nor in
// its environment (root's, so not world-readable, but kept clean all the same). Live secrets and daemons are left
// exactly as they were.
import { spawnSync } from 'node:child_process';
import { randomBytes, scryptSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLUSTER_HOME,
  CLUSTER_USER,
  REGISTRY_PASSWORD_FILE,
  REGISTRY_USER,
  registryPassword,
  runAsUser,
  sh,
} from '../support/cluster.js';
import { TOKEN_USERS_FILE } from '../support/token-registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HARNESS = join(ROOT, 'test/support/provisioning-secret-paths.sh');
const LIVE_HTPASSWD = '/etc/qsc-testbed/registry.htpasswd';
const PROXY_PASSWORD_FILE = '/var/lib/qsc-testbed/proxy-password';
const LIVE_TOKEN_SERVER_CONFIG = '/etc/qsc-testbed/token-registry/token-server.json';
/** Files and daemons other tests rely on: byte-identical and not restarted after the run. */
const LIVE_FILES = [
  REGISTRY_PASSWORD_FILE,
  PROXY_PASSWORD_FILE,
  TOKEN_USERS_FILE,
  LIVE_HTPASSWD,
  LIVE_TOKEN_SERVER_CONFIG,
  `${CLUSTER_HOME}/.config/qsub-container/auth.json`,
];
const DAEMON_PIDS = ['registry', 'token-registry', 'token-server', 'tinyproxy', 'proxied-registry'].map(
  (d) => `/run/qsc-testbed/${d}.pid`,
);

const work = mkdtempSync('/tmp/qsc-provisioning-secrets-');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Run argv under strace (every execve of every descendant, full argv and env); returns the trace and the result. */
function traced(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const trace = join(work, `trace-${randomBytes(4).toString('hex')}.txt`);
  const result = spawnSync(
    'strace',
    [
      '-f',
      '--seccomp-bpf',
      '-qq',
      '-v',
      '-e',
      'trace=execve',
      '-e',
      'signal=none',
      '-s',
      '100000',
      '-o',
      trace,
      ...argv,
    ],
    {
      encoding: 'utf8',
      env,
      timeout: 150_000,
    },
  );
  return { ...result, trace: readFileSync(trace, 'utf8') };
}

const base64 = (text: string) => Buffer.from(text).toString('base64').replace(/=+$/, '');
const passwordsIn = (usersFile: string) =>
  Object.entries(JSON.parse(readFileSync(usersFile, 'utf8')) as Record<string, string>);
const bcryptHashes = (htpasswd: string) =>
  readFileSync(htpasswd, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(line.indexOf(':') + 1));
const scryptHashes = (config: string) =>
  Object.values((JSON.parse(readFileSync(config, 'utf8')) as { users: Record<string, { hash: string }> }).users).map(
    (u) => u.hash,
  );

/** Each secret as itself and in the forms a tool would be handed it: base64(user:password) (auth files, Basic headers). */
function needles(credentials: ReadonlyArray<readonly [string, string]>, hashes: readonly string[]) {
  return [
    ...credentials.flatMap(([user, password]) => [
      { what: `password of ${user}`, text: password },
      { what: `base64(${user}:password)`, text: base64(`${user}:${password}`) },
    ]),
    ...hashes.map((hash) => ({ what: 'password hash', text: hash })),
  ];
}
const found = (trace: string, list: ReturnType<typeof needles>) => [
  ...list.filter((n) => trace.includes(n.text)).map((n) => n.what),
  ...(/eyJ[\w-]{10,}\.eyJ[\w-]{10,}/.test(trace) ? ['a bearer token (JWT)'] : []),
];
/** The programs the trace shows executed, by base name. */
const programs = (trace: string) =>
  new Set([...trace.matchAll(/execve\("([^"]+)", \[/g)].map((m) => m[1]!.split('/').at(-1)!));
const execLines = (trace: string, program: string) =>
  trace.split('\n').filter((l) => new RegExp(`execve\\("[^"]*/${program}", `).test(l));

const snapshot = () => [...LIVE_FILES, ...DAEMON_PIDS].map((f) => `${f} ${sh('sha256sum', [f]).split(' ')[0]}`);

describe('testbed provisioning under strace', () => {
  it('the trace catches a secret in argv or env (so a clean trace means something)', () => {
    const canary = `canary-${randomBytes(8).toString('hex')}`;
    // Upper-cased by bash, so it is only in a grandchild's argv: the trace follows descendants and keeps their argv.
    const inArgv = traced(['bash', '-c', 'x=$1; /bin/true "${x^^}"; exit', '_', canary]);
    const inEnv = traced(['/bin/true'], { PATH: '/usr/bin:/bin', QSC_CANARY: canary });
    expect(found(inArgv.trace, needles([['u', canary.toUpperCase()]], []))).toEqual(['password of u']);
    expect(found(inEnv.trace, needles([['u', canary]], []))).toEqual(['password of u']);
  });

  it('no password, hash or token reaches any argv or env while passwords are made, hashed, checked and used to push', () => {
    const repository = `e2e/provsecrets-${randomBytes(3).toString('hex')}/tiny`;
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const before = snapshot();

    const run = traced(['bash', HARNESS, work, repository], { ...process.env, TMPDIR: tmp });
    expect(run.status, run.stderr).toBe(0);

    // The steps really ran: the fresh htpasswd entry written once then only verified, the push to :5000 and its copy to :5001.
    expect(run.stdout).toContain('htpasswd written: 1');
    expect(run.stdout).toContain('htpasswd rewritten: 0');
    expect(run.stdout).toMatch(new RegExp(`\\+ ${repository}:1 sha256:[0-9a-f]{64}`));
    expect(run.stderr).toContain('token registry: seeded (1 images copied');
    expect(run.stderr).toContain('token registry: verified Bearer challenge, token for qsc, tags/list = 200');
    expect(run.stderr).toContain(`registry: verified GET /v2/ = 401 anonymous, 200 as ${REGISTRY_USER}`);
    expect(run.stderr).toContain('proxy: verified registry.proxied.test:5005 = unreachable directly');
    for (const program of ['htpasswd', 'curl', 'skopeo', 'node', 'jq', 'openssl', 'umoci'])
      expect(programs(run.trace), program).toContain(program);
    // And the trace holds whole argvs of descendants: the skopeo pushes, named by this test's repository.
    const copies = execLines(run.trace, 'skopeo').filter((l) => l.includes('"copy"') && l.includes(repository));
    expect(copies).toHaveLength(2);
    expect(copies[0]).toContain('"--dest-authfile"');
    expect(copies[1]).toContain('"--src-authfile"');
    expect(execLines(run.trace, 'htpasswd').every((l) => l.includes('"-i"'))).toBe(true);

    // Nothing secret in any process's argv or env: live passwords, the fresh ones, their hashes, base64 forms, tokens.
    const fresh = {
      password: join(work, 'registry-password'),
      htpasswd: join(work, 'registry.htpasswd'),
      tokenUsers: join(work, 'token-users.json'),
    };
    const freshTokenConfig = join(work, 'token-etc/token-server.json');
    const credentials: Array<[string, string]> = [
      [REGISTRY_USER, registryPassword()],
      ['qscproxy', readFileSync(PROXY_PASSWORD_FILE, 'utf8').trim()],
      ...passwordsIn(TOKEN_USERS_FILE),
      [REGISTRY_USER, readFileSync(fresh.password, 'utf8').trim()],
      ...passwordsIn(fresh.tokenUsers),
    ];
    const hashes = [
      ...bcryptHashes(LIVE_HTPASSWD),
      ...bcryptHashes(fresh.htpasswd),
      ...scryptHashes(LIVE_TOKEN_SERVER_CONFIG),
      ...scryptHashes(freshTokenConfig),
    ];
    expect(credentials).toHaveLength(11);
    expect(found(run.trace, needles(credentials, hashes))).toEqual([]);
    // The neighbour's fresh private key: none of its base64 lines in any argv or env either.
    const neighbourKey = readFileSync(join(work, 'neighbour-ssh/mallory_ed25519'), 'utf8');
    const keyLines = neighbourKey.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line));
    expect(keyLines.length).toBeGreaterThan(2);
    expect(keyLines.filter((line) => run.trace.includes(line))).toEqual([]);
    expect(statSync(join(work, 'neighbour-ssh/mallory_ed25519')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(work, 'neighbour-home/.ssh/authorized_keys'), 'utf8')).toBe(
      readFileSync(join(work, 'neighbour-ssh/mallory_ed25519.pub'), 'utf8'),
    );
    expect(programs(run.trace)).toContain('ssh-keygen');

    // What was made is right and private: 0600 secrets, an htpasswd and scrypt hashes that match, the user's auth file.
    expect(statSync(fresh.password).mode & 0o777).toBe(0o600);
    expect(statSync(fresh.tokenUsers).mode & 0o777).toBe(0o600);
    expect(statSync(fresh.htpasswd).mode & 0o777).toBe(0o640);
    const freshPassword = readFileSync(fresh.password, 'utf8').trim();
    expect(freshPassword).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(spawnSync('htpasswd', ['-v', '-i', fresh.htpasswd, REGISTRY_USER], { input: freshPassword }).status).toBe(0);
    const authFile = join(work, 'tool-config/auth.json');
    expect(statSync(authFile).mode & 0o777).toBe(0o600);
    expect(statSync(authFile).uid).toBe(Number(sh('id', ['-u', CLUSTER_USER])));
    const auths = (JSON.parse(readFileSync(authFile, 'utf8')) as { auths: Record<string, { auth: string }> }).auths;
    expect(Buffer.from(auths['127.0.0.1:5000']!.auth, 'base64').toString()).toBe(`${REGISTRY_USER}:${freshPassword}`);
    const tokenUsers = passwordsIn(fresh.tokenUsers);
    expect(tokenUsers.map(([u]) => u).sort()).toEqual(['brief', 'outsider', 'qsc', 'seeder']);
    const serverUsers = (
      JSON.parse(readFileSync(freshTokenConfig, 'utf8')) as { users: Record<string, { salt: string; hash: string }> }
    ).users;
    for (const [user, password] of tokenUsers) {
      expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(serverUsers[user]!.hash).toBe(
        scryptSync(password, Buffer.from(serverUsers[user]!.salt, 'hex'), 32).toString('hex'),
      );
    }

    // The 0600 auth files skopeo read are gone, and the live testbed is as it was: same secrets, configs, daemons.
    expect(readdirSync(tmp)).toEqual([]);
    expect(snapshot()).toEqual(before);
    for (const pidFile of DAEMON_PIDS)
      expect(existsSync(`/proc/${readFileSync(pidFile, 'utf8').trim()}`), pidFile).toBe(true);
  });

  it("the tests' own runAsUser hands variables (passwords, in some tests) to the process in its env, not in argv", async () => {
    const canary = `Canary-${randomBytes(8).toString('hex')}`;
    // The command's own argv and its parent's (runuser's) as every user sees them, then the variable's value.
    const result = await runAsUser(
      [
        'sh',
        '-c',
        'tr "\\0" " " </proc/$$/cmdline; echo; tr "\\0" " " </proc/$PPID/cmdline; echo; printf "%s" "$QSC_CANARY"',
      ],
      { QSC_CANARY: canary },
    );
    expect(result.code, result.stderr).toBe(0);
    const [self, parent, value] = result.stdout.split('\n');
    expect(parent).toContain('runuser');
    expect(self).toContain('/proc/$$/cmdline');
    expect(`${self}\n${parent}`).not.toContain(canary);
    expect(value).toBe(canary);
  });
});
