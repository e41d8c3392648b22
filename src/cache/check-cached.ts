// Is a digest's SIF in the cache, and whole? Asked through the Runner (so it works over SSH too); a truncated or
// damaged file is moved to quarantine/ there and then, so the pull that follows replaces it. When the answer lets the
// job go (cached, or the job pulls for itself), the same remote call runs sbatch: no extra round trip over SSH.
import {
  CantCreateError,
  DataError,
  InputFileError,
  PermissionError,
  UnavailableError,
  type QscError,
} from '../errors.js';
import { shellQuote } from '../shell/quote.js';
import type { OutputDir } from '../slurm/output-dirs.js';
import type { RunResult, Runner } from '../transport/runner.js';
import { QUARANTINE_DIR, SIF_MAGIC, SIF_MAGIC_OFFSET } from './layout.js';
import { DEFAULT_IMAGE_DIR_SHELL, sidecarName, sifName } from '../image/names.js';

/**
 * $1 cache dir ('' = the job's default), $2 SIF name, $3 sidecar name, $4 when to run the rest of argv (sbatch):
 * "cached", "always" or "never"; $trusted (cache.trustedUsers) is set before it. Cheap on purpose (no `apptainer
 * inspect`, no hashing): the trust the job checks too (job-templates/_trust.mustache: a regular file owned by you,
 * root or a trusted user, writable by its owner alone; the job also checks the recorded sha256), a SIF header, and
 * the size the pull recorded in the sidecar, which is what a truncated copy gets wrong. The state is the first line
 * of stdout. When the image is not cached, someone (the job, a pull here, a pull job) must create its lock and SIF in
 * the directory: the check does what they will (mkdir -p, then create a file with O_EXCL and remove it: mktemp, whose
 * random name a neighbour cannot plant a symlink at in advance), as this user on the cluster side, and answers
 * "unwritable <the error>" before sbatch can run, so nothing is queued that would fail at run time. A test of the
 * mode bits would miss ACLs, a read-only mount and group membership.
 * $outdirs (one a line, slurm/output-dirs.ts) are the directories of the job's -o/-e files, which sbatch does not make:
 * made here, in the cwd sbatch runs in, with %u as this user; "nooutdir <line index> <the error>" when one cannot be.
 */
const CHECK_SCRIPT = `dir=\${1:-${DEFAULT_IMAGE_DIR_SHELL}}
name=$2; sif="$dir/$2"; meta="$dir/$3"; when=$4; shift 4
problem= state=missing
if [ -e "$sif" ] || [ -L "$sif" ]; then
  IFS='|' read -r kind uid user mode size <<EOF
$(stat -c '%F|%u|%U|%a|%s' "$sif")
EOF
  mine=; { [ "$uid" = "$(id -u)" ] || [ "$uid" = 0 ]; } && mine=1
  for u in $trusted; do [ "$user" = "$u" ] && mine=1; done
  if [ "$kind" != "regular file" ]; then problem="not trusted: a $kind, not a regular file"
  elif [ -z "$mine" ]; then problem="not trusted: it belongs to $user, who is not a trusted writer of this cache"
  elif [ $((0$mode & 022)) != 0 ]; then problem="not trusted: writable by others than its owner (mode $mode)"
  elif [ ! -s "$sif" ]; then problem="empty file"
  elif [ "$(dd if="$sif" bs=1 skip=${SIF_MAGIC_OFFSET} count=${SIF_MAGIC.length} 2>/dev/null)" != ${SIF_MAGIC} ]; then problem="no SIF header"
  else
    size=$(stat -c %s "$sif"); want=$(sed -n 's/.*"size":\\([0-9][0-9]*\\).*/\\1/p' "$meta" 2>/dev/null)
    if [ -n "$want" ] && [ "$size" != "$want" ]; then problem="size $size differs from the $want recorded at pull (truncated?)"; fi
  fi
  state=cached
  if [ -n "$problem" ]; then
    to="$dir/${QUARANTINE_DIR}/$name.$(date +%s)"
    if mkdir -p "$dir/${QUARANTINE_DIR}" && mv -f "$sif" "$to" 2>/dev/null; then mv -f "$meta" "$to.json" 2>/dev/null; state="quarantined $to $problem"
    else echo "broken $problem"; exit 0; fi
  fi
fi
if [ "$state" != cached ]; then
  if ! why=$( { mkdir -p "$dir" && probe=$(mktemp "$dir/.qsc-write-check.XXXXXXXX") && rm -f "$probe"; } 2>&1 ); then
    echo "unwritable $(printf '%s' "$why" | tail -n 1)"; exit 0
  fi
fi
if [ -n "$outdirs" ]; then
  me=$(id -un); i=0
  while IFS= read -r d; do
    rest=$d; d=
    while :; do case $rest in *%u*) d=$d\${rest%%"%u"*}$me; rest=\${rest#*"%u"};; *) break;; esac; done
    why=$(mkdir -p -- "$d$rest" 2>&1) || { echo "nooutdir $i $(printf '%s' "$why" | tail -n 1)"; exit 0; }
    i=$((i + 1))
  done <<EOF
$outdirs
EOF
fi
echo "$state"
if [ "$when" = always ] || { [ "$when" = cached ] && [ "$state" = cached ]; }; then exec "$@"; fi`;

export type CacheState =
  | { readonly kind: 'cached' }
  | { readonly kind: 'missing' }
  | { readonly kind: 'quarantined'; readonly problem: string; readonly movedTo: string }
  /** Broken, and this user may not move it aside. */
  | { readonly kind: 'broken'; readonly problem: string }
  /** Not cached, and this user cannot create files in the directory: the shell's error. */
  | { readonly kind: 'unwritable'; readonly problem: string }
  /** The directory of the job's output (the index-th of those asked for) cannot be made: the shell's error. */
  | { readonly kind: 'no-output-dir'; readonly index: number; readonly problem: string };

/** The check's first line: "cached", "missing", "quarantined <path> <problem>" or "broken <problem>". */
export function parseCacheState(text: string): CacheState | undefined {
  const line = text.trim();
  if (line === 'cached' || line === 'missing') return { kind: line };
  const moved = /^quarantined (\S+) (.+)$/.exec(line);
  if (moved) return { kind: 'quarantined', movedTo: moved[1]!, problem: moved[2]! };
  const noOutputDir = /^nooutdir (\d+) ?(.*)$/.exec(line);
  if (noOutputDir) return { kind: 'no-output-dir', index: Number(noOutputDir[1]), problem: noOutputDir[2]! };
  const unwritable = /^unwritable ?(.*)$/.exec(line);
  if (unwritable) return { kind: 'unwritable', problem: unwritable[1]! };
  const broken = /^broken (.+)$/.exec(line);
  return broken ? { kind: 'broken', problem: broken[1]! } : undefined;
}

/** The errno words the shell printed → the error a person gets, as for files named on the command line (errors.ts). */
const UNWRITABLE: readonly { readonly test: RegExp; readonly reason: string; readonly type: typeof CantCreateError }[] =
  [
    { test: /read-only file system/i, reason: 'read-only file system', type: CantCreateError },
    { test: /permission denied|operation not permitted/i, reason: 'permission denied', type: PermissionError },
    { test: /no such file/i, reason: 'it does not exist and cannot be made', type: InputFileError },
    { test: /not a directory|file exists/i, reason: 'a part of it is not a directory', type: InputFileError },
  ];

/**
 * The image is not cached and its cache directory cannot take it: one sentence naming the directory and where it came
 * from (--cache-dir, a config file, a variable, the default), exit 73 (read-only), 77 (permission) or 66 (missing).
 */
export function unwritableCacheError(problem: string, dir: string | undefined, from: string | undefined): QscError {
  const known = UNWRITABLE.find((u) => u.test.test(problem));
  const reason = known?.reason ?? (problem.replace(/^[^:]*: (\d+: )?/, '') || 'cannot create files there');
  const where = dir ?? DEFAULT_IMAGE_DIR_SHELL;
  const origin = dir === undefined ? 'the default' : (from ?? 'the config');
  return new (known?.type ?? CantCreateError)(
    `the image cache ${where} (from ${origin}) cannot be written: ${reason}; the job would need to pull its image ` +
      'there, so nothing was queued',
    {
      hint:
        'give a directory you can write with --cache-dir DIR or "cacheDir" in your config; for a shared cache, ask ' +
        'its owner to make it group-writable (chmod 2775) for a group you are in',
    },
  );
}

/** The job's output directory cannot be made: refused before sbatch, as sbatch would not make it either. */
export function outputDirError(problem: string, dir: OutputDir | undefined): QscError {
  const known = UNWRITABLE.find((u) => u.test.test(problem));
  const reason = known?.reason ?? (problem.replace(/^[^:]*: (\d+: )?/, '') || 'cannot be made');
  const named = dir ? `${dir.dir} (for ${dir.flag} ${dir.path})` : 'of the output file';
  return new (known?.type ?? CantCreateError)(
    `cannot create the job's output directory ${named}: ${reason}; nothing was queued`,
    {
      hint: 'sbatch does not create it and the job would fail at its start: give an output path in a directory you can write, or create it first',
    },
  );
}

export interface CacheCheck {
  readonly state: CacheState;
  /** sbatch's result when it ran in the same call (stdout without the state line). */
  readonly submitted: RunResult | undefined;
}

/** `submit`: sbatch's argv and the job script, run when the state is "cached" (or always, for in-job pulls). */
export async function checkCachedImage(
  runner: Runner,
  cacheDir: string | undefined,
  digest: string,
  submit?: { readonly argv: readonly string[]; readonly script: string; readonly when: 'cached' | 'always' },
  trustedUsers: readonly string[] = [],
  /** Where cacheDir came from, for the unwritable refusal (config/resolve.ts: cacheDirFrom). */
  cacheDirFrom?: string,
  /** The job's output directories to make before sbatch (slurm/output-dirs.ts). */
  outputDirs: readonly OutputDir[] = [],
): Promise<CacheCheck> {
  const result = await runner.run({
    argv: [
      'sh',
      '-c',
      `trusted=${shellQuote(trustedUsers.join(' '))}\noutdirs=${shellQuote(outputDirs.map((d) => d.dir).join('\n'))}\n${CHECK_SCRIPT}`,
      'sh',
      cacheDir ?? '',
      sifName(digest),
      sidecarName(digest),
      submit?.when ?? 'never',
      ...(submit?.argv ?? []),
    ],
    stdin: submit?.script ?? '',
    timeoutMs: 180_000,
  });
  const [first = '', ...rest] = result.stdout.split('\n');
  const state = parseCacheState(first);
  if (!state) {
    throw new UnavailableError(
      `could not check the image cache${cacheDir ? ` ${cacheDir}` : ''}: ${result.stderr.trim() || `exit ${result.code}`}`,
      {
        hint: 'check that the cache directory is reachable from this host',
      },
    );
  }
  if (state.kind === 'no-output-dir') throw outputDirError(state.problem, outputDirs[state.index]);
  if (state.kind === 'unwritable') throw unwritableCacheError(state.problem, cacheDir, cacheDirFrom);
  if (state.kind === 'broken') {
    throw new DataError(
      `the cached ${sifName(digest)} may not be used (${state.problem}) and could not be moved to ${QUARANTINE_DIR}/`,
      {
        hint: 'ask its owner or your admins to remove it (qsub-container cache verify), or to add a trusted owner to "cache.trustedUsers"',
      },
    );
  }
  const ran = submit && (submit.when === 'always' || state.kind === 'cached');
  return { state, submitted: ran ? { ...result, stdout: rest.join('\n') } : undefined };
}
