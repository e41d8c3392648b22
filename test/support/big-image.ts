// Images with a layer of random bytes (incompressible), pushed to a test's own repository: big enough to fill a small
// cache filesystem, or to still be pulling when a test cancels the pull.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRY, REGISTRY_USER, registryPassword } from './cluster.js';
import { authFileFor } from './token-registry.js';

const SEED_LAYOUT = '/var/lib/qsc-testbed/seed/oci';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The testbed's busybox base plus /random.bin of `megabytes` MiB; `env` makes the config (and digest) this test's own. */
export function pushRandomImage(repository: string, tag: string, megabytes: number, env: readonly string[]): void {
  const dir = mkdtempSync('/tmp/qsc-big-image-');
  try {
    const layout = join(dir, 'oci');
    cpSync(SEED_LAYOUT, layout, { recursive: true });
    execFileSync('sh', ['-c', 'head -c "$1"M /dev/urandom > "$2"', 'sh', String(megabytes), join(dir, 'random.bin')]);
    execFileSync(
      'umoci',
      ['insert', '--image', `${layout}:base`, '--tag', 'big', join(dir, 'random.bin'), '/random.bin'],
      { stdio: 'pipe' },
    );
    const envArgs = [PATH_ENV, ...env].flatMap((kv) => ['--config.env', kv]);
    execFileSync(
      'umoci',
      [
        'config',
        '--image',
        `${layout}:big`,
        '--tag',
        'pushed',
        '--clear',
        'config.env',
        '--config.cmd',
        '/bin/sh',
        ...envArgs,
      ],
      { stdio: 'pipe' },
    );
    // An auth file (0600, removed with the dir), not --dest-creds: a password in skopeo's argv is readable by every user.
    const authFile = join(dir, 'auth.json');
    writeFileSync(authFile, authFileFor(REGISTRY, REGISTRY_USER, registryPassword()), { mode: 0o600 });
    execFileSync(
      'skopeo',
      [
        'copy',
        '-q',
        '--dest-tls-verify=false',
        '--dest-authfile',
        authFile,
        `oci:${layout}:pushed`,
        `docker://${REGISTRY}/${repository}:${tag}`,
      ],
      { stdio: 'pipe' },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
