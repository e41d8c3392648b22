// V8 code caches for the bundle's chunks, turned on by bin/qsub-container.cjs before the bundle loads (the build makes
// this module a bundle of its own, dist/bundle/code-cache.cjs). Node 20 has no compile cache of its own
// (module.enableCompileCache came with Node 22), and compiling the bundle again on every run, eagerly and then function
// by function, was ~15% of a dry run (test/bench/startup.mjs). The cache is taken when the process exits, so it holds
// the functions the command ran; one V8 rejects (another Node, other flags) is written anew, and then an earlier
// release's caches two weeks old are removed. Nothing here may fail a command: any error means no cache.
import { lstatSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { resolveStatePaths } from '../state/paths.js';
import { makeDirsSync } from '../state/make-dirs.js';

/**
 * Only chunks named by their content (deploy/bundle-cli.mjs: `[name]-[hash].cjs`) are cached under their name: V8 checks
 * a cache against its source's length only, and would run the old code of a changed file of the same length.
 */
const NAMED_BY_CONTENT = /^[\w-]+-[\w-]{8}\.cjs$/;

/**
 * A cache of a chunk this bundle does not have (an earlier release's) is removed once it is this old, when caches are
 * being written anyway (a new release's first run): a home keeps a few releases' worth, not one per upgrade forever. A
 * second installed version still in use loses its caches at most this often, and rewrites them in its next run.
 */
const ORPHAN_AGE_MS = 14 * 24 * 60 * 60 * 1000;

/** What Node's CommonJS loader offers to wrap: the compile step of Module (not in @types/node). */
interface LoaderModule {
  exports: unknown;
}
export interface ModuleClass {
  prototype: { _compile: (this: LoaderModule, content: string, filename: string) => unknown };
  wrap(script: string): string;
  createRequire(filename: string): NodeJS.Require;
}

/**
 * The chunks beside this one (dist/bundle), with caches in the user's tool cache directory. `loader`: the CommonJS
 * Module class the caller runs under (the bin passes its `module.constructor`); looking it up as node:module instead
 * loads that module, ~0.7-1 ms of every run.
 */
export function useCodeCacheForUser(env: NodeJS.ProcessEnv, loader?: ModuleClass): void {
  try {
    const home = env.HOME || process.getBuiltinModule('node:os').homedir();
    useCodeCache(
      dirname(fileURLToPath(import.meta.url)),
      join(resolveStatePaths(env, home).stateCacheDir, 'code-cache'),
      loader,
    );
  } catch {
    // No home directory to keep caches in: the bundle compiles as it would without them.
  }
}

/**
 * Compile the chunks of `bundleDir` loaded from now on with code caches kept in `cacheDir` (created 0700). A directory
 * that others may write (not the user's own, or group/world-writable) is not used: a cache is code.
 */
export function useCodeCache(bundleDir: string, cacheDir: string, loader?: ModuleClass): void {
  if (!trusted(cacheDir, true)) return;
  const Module = loader ?? (process.getBuiltinModule('node:module') as unknown as ModuleClass);
  const stale: { script: Script; file: string }[] = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function (content, filename) {
    // A chunk with import() (yargs, ssh2: ES modules) is Node's to compile: vm.Script runs import() only with a loader
    // option that Node 20 calls experimental and warns about on stderr.
    if (dirname(filename) !== bundleDir || !NAMED_BY_CONTENT.test(basename(filename)) || content.includes('import('))
      return compile.call(this, content, filename);
    const file = join(cacheDir, `${basename(filename)}.v8`);
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) stale.push({ script, file });
    const wrapper = script.runInThisContext() as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, Module.createRequire(filename), this, filename, dirname(filename));
  };

  process.once('exit', () => {
    if (stale.length === 0 || !trusted(cacheDir, false)) return;
    for (const { script, file } of stale) {
      try {
        const temp = `${file}.${process.pid}`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, file);
      } catch {
        // A full or read-only file system: the next run compiles as this one did.
      }
    }
    removeOrphans(bundleDir, cacheDir, Date.now() - ORPHAN_AGE_MS);
  });
}

/** Caches older than `before` of chunks `bundleDir` does not hold. */
function removeOrphans(bundleDir: string, cacheDir: string, before: number): void {
  try {
    const chunks = new Set(readdirSync(bundleDir));
    for (const name of readdirSync(cacheDir)) {
      if (!name.endsWith('.cjs.v8') || chunks.has(name.slice(0, -'.v8'.length))) continue;
      const path = join(cacheDir, name);
      if (lstatSync(path).mtimeMs < before) unlinkSync(path);
    }
  } catch {
    // Nothing here may fail a command: what is left is removed by a later write.
  }
}

/** The user's own directory, writable by no one else; `orMissing`: or not there yet (else it is made now). */
function trusted(dir: string, orMissing: boolean): boolean {
  try {
    if (!orMissing) makeDirsSync(dir, 0o700);
    const stat = lstatSync(dir);
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
  } catch (error) {
    return orMissing && (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
