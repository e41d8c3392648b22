// Setup of the unit project: unit tests start no process, so every way node:child_process starts one throws here.
import { createRequire, syncBuiltinESMExports } from 'node:module';

const childProcess = createRequire(import.meta.url)('node:child_process') as Record<string, unknown>;
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  childProcess[name] = () => {
    throw new Error(`a unit test started a process (child_process.${name}): such a test belongs in test/integration`);
  };
}
// ESM imports of node:child_process see the replaced functions too.
syncBuiltinESMExports();
