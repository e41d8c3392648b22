// Fixtures the cluster user must read, copied out of the checkout (which may sit in a 0700 home) into a temp dir.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

let dir: string | undefined;
const own = () => {
  dir ??= mkdtempSync('/tmp/qsc-user-fixtures-'); // not $TMPDIR: that may be private to the test runner
  chmodSync(dir, 0o755);
  return dir;
};

/** A copy, readable by every user, of a file of the checkout; the clone's own path never reaches the cluster user. */
export function copyForUser(file: URL): string {
  const copy = join(own(), `${Math.random().toString(36).slice(2, 8)}-${basename(file.pathname)}`);
  copyFileSync(file, copy);
  chmodSync(copy, 0o644);
  return copy;
}

/** copyForUser of test/fixtures/<relative>. */
export const fixtureForUser = (relative: string) => copyForUser(new URL(`../fixtures/${relative}`, import.meta.url));

/** A readable file with this text, beside the copies. */
export function textForUser(name: string, text: string | Buffer, mode = 0o644): string {
  const file = join(own(), `${Math.random().toString(36).slice(2, 8)}-${name}`);
  writeFileSync(file, text, { mode });
  chmodSync(file, mode);
  return file;
}

/** An empty directory every user can read, beside the copies (for a tree of fixtures: mkdirSync/writeFileSync in it). */
export function dirForUser(name: string): string {
  const made = join(own(), `${Math.random().toString(36).slice(2, 8)}-${name}`);
  mkdirSync(made, { mode: 0o755 });
  chmodSync(made, 0o755);
  return made;
}

/** For afterAll: the copies go with the test file that made them. */
export function removeUserFixtures(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}
