// Before integration tests: compile src/ to dist/ (tsc), for the tests that run an adapter in a node process of its own.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default function setup(): void {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}
