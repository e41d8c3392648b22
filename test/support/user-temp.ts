// Temp dirs owned by the cluster user (they hold credential files): made per test, removed when the file's tests end.
import { rmSync } from 'node:fs';
import { CLUSTER_USER, sh } from './cluster.js';

const made: string[] = [];

export function userTempDir(prefix: string): string {
  const dir = sh('runuser', ['-u', CLUSTER_USER, '--', 'mktemp', '-d', `/tmp/${prefix}.XXXXXX`]).trim();
  made.push(dir);
  return dir;
}

/** For afterAll: no credential file outlives the test file that wrote it. */
export function removeUserTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
