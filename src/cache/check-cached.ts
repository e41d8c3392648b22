// Is a digest's SIF in the cache, and whole? Asked through the Runner (so it works over SSH too); a truncated or
// damaged file is moved to quarantine/ there and then, so the pull that follows replaces it.
import { DataError, UnavailableError } from '../errors.js';
import { parseCacheState, type CacheState } from '../job/pull-mode.js';
import type { Runner } from '../transport/runner.js';
import { metaName, QUARANTINE_DIR, SIF_MAGIC, SIF_MAGIC_OFFSET, sifName } from './layout.js';

/**
 * $1 cache dir ('' = the job's default), $2 SIF name, $3 sidecar name. Cheap on purpose (no `apptainer inspect`):
 * a SIF header, and the size the pull recorded in the sidecar, which is what a truncated copy gets wrong.
 */
const CHECK_SCRIPT = `dir=\${1:-\${XDG_CACHE_HOME:-$HOME/.cache}/qsub-container/images}
sif="$dir/$2"; meta="$dir/$3"
[ -e "$sif" ] || { echo missing; exit 0; }
problem=
if [ ! -s "$sif" ]; then problem="empty file"
elif [ "$(dd if="$sif" bs=1 skip=${SIF_MAGIC_OFFSET} count=${SIF_MAGIC.length} 2>/dev/null)" != ${SIF_MAGIC} ]; then problem="no SIF header"
else
  size=$(stat -c %s "$sif"); want=$(sed -n 's/.*"size":\\([0-9][0-9]*\\).*/\\1/p' "$meta" 2>/dev/null)
  if [ -n "$want" ] && [ "$size" != "$want" ]; then problem="size $size differs from the $want recorded at pull (truncated?)"; fi
fi
[ -z "$problem" ] && { echo cached; exit 0; }
to="$dir/${QUARANTINE_DIR}/$2.$(date +%s)"
if mkdir -p "$dir/${QUARANTINE_DIR}" && mv -f "$sif" "$to" 2>/dev/null; then mv -f "$meta" "$to.json" 2>/dev/null; echo "quarantined $to $problem"
else echo "broken $problem"; fi`;

export async function checkCachedImage(runner: Runner, cacheDir: string | undefined, digest: string): Promise<CacheState> {
  const result = await runner.run({ argv: ['sh', '-c', CHECK_SCRIPT, 'sh', cacheDir ?? '', sifName(digest), metaName(digest)], timeoutMs: 60_000 });
  const state = result.code === 0 ? parseCacheState(result.stdout) : undefined;
  if (!state) {
    throw new UnavailableError(`could not check the image cache${cacheDir ? ` ${cacheDir}` : ''}: ${result.stderr.trim() || `exit ${result.code}`}`, {
      hint: 'check that the cache directory is reachable from this host',
    });
  }
  if (state.kind === 'broken') {
    throw new DataError(`the cached ${sifName(digest)} is damaged (${state.problem}) and could not be moved to ${QUARANTINE_DIR}/`, {
      hint: 'ask whoever owns the cache to run: qsub-container cache verify',
    });
  }
  return state;
}
