// The site's driver map over --host: the login node's file system, read and written through the Runner. A
// submission's whole read is one remote command (one listing per trusted writer, then the few records the groups
// need, as src/gpu/read-driver-map.ts does locally); a probe's fact is one more, written as the local recorder does.
import { UnavailableError } from '../errors.js';
import type { Runner } from '../transport/runner.js';
import { formatFactRecord, isRecordableNode, parseFactRecord, type Reading } from './driver-facts.js';
import { READS_PER_GROUP } from './driver-map-layout.js';
import type { DriverMapAccess } from './read-driver-map.js';

/**
 * bash: $1 map dir, $2 records per group at most, $3 the trusted uids (space-separated), then one argument per node
 * group: its nodes, space-separated, in sinfo's order. Prints "uid<TAB>$UID", then per record read
 * "r<TAB>group<TAB>node<TAB>owner uid<TAB>its first line". Each writer's directory is listed once (a glob: no stat per
 * name; a name is only a key there, never evaluated, and regex checks run on the few hits: bash's =~ costs ~20 µs);
 * each planned record is opened once and the owner is the opened file's (stat -L of /dev/fd/N in one process
 * for all of them), so a name swapped for a symlink after the check is judged by what was read. `-f` first: a FIFO
 * is never opened (it would block). bash cannot open without blocking (the local reader's O_NONBLOCK), so a writer's
 * directory is read only when that writer owns it (one stat for all): a neighbour who squats it could swap a record
 * for a FIFO between the -f and the open and hold the submission until the runner's timeout. The local reader reports
 * such records as rejected; here they are not read at all. Nothing is written.
 */
export const REMOTE_READ_SCRIPT = `export LC_ALL=C
map=\${1%/} per=$2 trusted=$3
shift 3
writers=$UID
for u in $trusted; do [[ " $writers " == *" $u "* ]] || writers+=" $u"; done
printf 'uid\\t%s\\n' "$UID"
(($#)) || exit 0
node_re='^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'
dirs=()
for u in $writers; do dirs+=("$map/u$u"); done
owned=
while IFS= read -r line; do
  u=\${line##*/u}
  [[ $line == "$u directory "* ]] && owned+=" $u"
done < <(stat -c '%u %F %n' -- "\${dirs[@]}" 2>/dev/null)
declare -A listed
for u in $owned; do
  for f in "$map/u$u"/*; do listed[$u/\${f##*/}]=1; done
done
picks=() fds=() g=0
for group in "$@"; do
  n=0
  for u in $owned; do
    for node in $group; do
      ((n < per)) || break 2
      [[ -n \${listed[$u/$node]-} && $node =~ $node_re ]] || continue
      n=$((n + 1))
      f=$map/u$u/$node
      [[ -f $f ]] || continue
      { exec {fd}<"$f"; } 2>/dev/null || continue
      picks+=("$g $node $fd") fds+=("/dev/fd/$fd")
    done
  done
  g=$((g + 1))
done
((\${#fds[@]})) || exit 0
declare -A owner
while read -r name uid kind; do owner[$name]="$uid $kind"; done < <(stat -L -c '%n %u %F' -- "\${fds[@]}")
for pick in "\${picks[@]}"; do
  read -r g node fd <<<"$pick"
  [[ \${owner[/dev/fd/$fd]-} =~ ^([0-9]+)\\ regular\\ file$ ]] || continue
  line=
  IFS= read -r -n 4096 -u "$fd" line || [[ -n $line ]] || continue
  printf 'r\\t%s\\t%s\\t%s\\t%s\\n' "$g" "$node" "\${BASH_REMATCH[1]}" "$line"
done`;

/**
 * bash: $1 map dir, $2 node; the record on stdin. Into $UID's own directory (made 0755 when missing), refused when
 * that is a symlink or someone else's; a temp file created exclusively (noclobber), made 0644, renamed over the record.
 * Prints "recorded PATH" or "refused REASON".
 */
export const REMOTE_RECORD_SCRIPT = `map=\${1%/} node=$2
dir=$map/u$UID
[[ -d $map ]] || { echo "refused $map is not a directory"; exit 0; }
[[ -e $dir || -L $dir ]] || mkdir -m 0755 -- "$dir" 2>/dev/null || true
if [[ -L $dir || ! -d $dir ]]; then echo "refused $dir is not a directory"; exit 0; fi
[[ -O $dir ]] || { echo "refused $dir belongs to someone else"; exit 0; }
tmp=$dir/.$node.$$.$RANDOM
set -C
if ! { cat >"$tmp"; } 2>/dev/null || ! chmod 0644 -- "$tmp" || ! mv -f -T -- "$tmp" "$dir/$node"; then
  rm -f -- "$tmp"
  echo "refused could not write $dir/$node"
  exit 0
fi
echo "recorded $dir/$node"`;

/** The read's argv: only recordable node names travel (no other name can have a record). */
export function remoteReadArgv(
  mapDir: string,
  trustedUids: readonly number[],
  groups: ReadonlyArray<{ readonly nodes: readonly string[] }>,
): string[] {
  return [
    'bash',
    '-c',
    REMOTE_READ_SCRIPT,
    'qsc-driver-map',
    mapDir,
    String(READS_PER_GROUP),
    trustedUids.join(' '),
    ...groups.map((g) => g.nodes.filter(isRecordableNode).join(' ')),
  ];
}

/** The read's output → your uid and each group's readings; a line that does not fit the groups is ignored. */
export function parseRemoteRead(
  stdout: string,
  groups: ReadonlyArray<{ readonly nodes: readonly string[] }>,
): { uid: number; readings: Reading[][] } | undefined {
  let uid: number | undefined;
  const readings: Reading[][] = groups.map(() => []);
  for (const line of stdout.split('\n')) {
    const [kind, a, b, c, ...rest] = line.split('\t');
    if (kind === 'uid' && /^\d+$/.test(a ?? '')) uid = Number(a);
    if (kind !== 'r' || !/^\d+$/.test(a ?? '') || !/^\d+$/.test(c ?? '')) continue;
    const group = groups[Number(a)];
    if (!group || !b || !group.nodes.includes(b)) continue;
    const ownerUid = Number(c);
    readings[Number(a)]!.push({ node: b, ownerUid, parsed: parseFactRecord(rest.join('\t'), b, ownerUid) });
  }
  return uid === undefined ? undefined : { uid, readings };
}

/** The map on --host's login node, as the user logged in there. */
export function runnerDriverMap(runner: Runner): DriverMapAccess {
  return {
    async readGroups({ mapDir, trustedUids, groups }) {
      const result = await runner.run({ argv: remoteReadArgv(mapDir, trustedUids, groups), timeoutMs: 30_000 });
      const read = result.code === 0 ? parseRemoteRead(result.stdout, groups) : undefined;
      if (!read)
        throw new UnavailableError(
          `could not read the driver map ${mapDir} on ${runner.id}: ${result.stderr.trim() || `exit ${result.code}`}`,
        );
      return read;
    },
    // As the login's uid, which is the uid readGroups reported: the script writes into u$UID.
    async record(mapDir, _uid, fact) {
      if (!isRecordableNode(fact.node)) return { kind: 'refused', reason: `node name ${fact.node} is not a file name` };
      const result = await runner.run({
        argv: ['bash', '-c', REMOTE_RECORD_SCRIPT, 'qsc-driver-map', mapDir, fact.node],
        stdin: formatFactRecord(fact),
        timeoutMs: 30_000,
      });
      const out = result.stdout.trim();
      if (result.code === 0 && out.startsWith('recorded ')) return { kind: 'recorded', path: out.slice(9) };
      return { kind: 'refused', reason: out.startsWith('refused ') ? out.slice(8) : result.stderr.trim() || out };
    },
  };
}
