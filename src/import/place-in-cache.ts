// The one place import writes the SIF cache: build under the cache's per-digest lock into a temporary name, rename into place.
// (The job template does the same for pulls; when the cache module changes, this is the function to switch.)
import { UnavailableError } from '../errors.js';
import { sifFileName } from '../job/plan.js';
import type { Runner } from '../transport/runner.js';

/**
 * Build `<cacheDir>/sha256-<hex>.sif` from an Apptainer source (e.g. docker-archive:/path.tar) unless it is there.
 * The lock file and rename are the job script's, so an import and a job pulling the same digest never collide.
 */
export async function placeSifInCache(
  runner: Runner,
  cacheDir: string,
  digest: string,
  source: string,
  /** Extra `apptainer build` options, e.g. --authfile FILE, --no-https. */
  buildOptions: readonly string[] = [],
): Promise<{ path: string; built: boolean }> {
  const path = `${cacheDir}/${sifFileName(digest)}`;
  // Arguments: cache dir, SIF, source, then build options. Values arrive as arguments, never inside the script text.
  const script = [
    'set -eu',
    'cache_dir=$1 sif=$2 source=$3; shift 3',
    'runtime=$(command -v apptainer || command -v singularity) || { echo "neither apptainer nor singularity is on PATH" >&2; exit 127; }',
    'mkdir -p "$cache_dir"',
    'exec 9>>"$sif.lock"',
    'flock 9',
    'if [ -s "$sif" ]; then echo cached; exit 0; fi',
    'partial="$sif.partial.import.$$"',
    'trap \'rm -f "$partial"\' EXIT',
    '"$runtime" -q build --disable-cache "$@" "$partial" "$source" >&2',
    'mv -f "$partial" "$sif"',
    'trap - EXIT',
    'echo built',
  ].join('\n');
  const result = await runner.run({ argv: ['sh', '-c', script, 'qsc-import', cacheDir, path, source, ...buildOptions], timeoutMs: 3_600_000 });
  if (result.code !== 0) {
    const detail = result.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${result.code}`;
    throw new UnavailableError(`building ${path} from ${source} failed: ${detail}`, {
      hint: 'check that the archive is complete (docker save IMAGE > file.tar, or skopeo copy ... docker-archive:/oci:) and that apptainer works here',
      cause: { stderr: result.stderr },
    });
  }
  return { path, built: result.stdout.trim() === 'built' };
}
