# record_node_fact: keep this node's driver fact in the site's driver map, for later submissions to read instead of
# probing (layout: src/gpu/driver-map-layout.ts; record: src/gpu/driver-facts.ts). Meant to be included by the job
# template after the runtime guard, which has read the driver from the kernel module already.
# While the recorded fact is current this uses bash builtins alone (read, compare, return): no process on a cached
# start. Only a missing, different or stale record is written: a temp file beside it, renamed into place (mkdir,
# chmod and mv run then). It never fails the job: every failure returns 0 and leaves no temp file behind.
#
#   record_node_fact MAP_DIR NODE DRIVER [SOURCE [NOT_BEFORE [REFRESH_SECONDS [GPUS_DIR]]]]
#
# NOT_BEFORE (epoch seconds): a record older than this is rewritten (the submitter saw it stale, e.g. slurmd restarted).
# REFRESH_SECONDS: a record older than this is rewritten, so readers' TTL never expires on a node that runs jobs.
record_node_fact() {
  local map=$1 node=$2 driver=$3 source=${4:-job} not_before=${5:-0} refresh=${6:-21600}
  local gpus=${7:-/proc/driver/nvidia/gpus}
  local dir=$map/u$UID file f line model models= now up boot=0 tag n d at s u m tmp
  [[ $node =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$ && $driver =~ ^[0-9]+(\.[0-9]+)+$ && -d $map ]] || return 0
  [[ $not_before =~ ^[0-9]+$ && $refresh =~ ^[0-9]+$ ]] || return 0
  file=$dir/$node
  # One model per GPU, from the first "Model:" line of its information file (as src/gpu/gpu-information.ts reads it).
  for f in "$gpus"/*/information; do
    model=
    while IFS= read -r line; do
      if [[ $line =~ ^Model:[[:space:]]*(.*[^[:space:]]) ]]; then model=${BASH_REMATCH[1]} && break; fi
    done 2>/dev/null <"$f" || true
    [[ -n $model ]] || continue
    model=${model//[$'\001'-$'\037'$'\177'|]/ }
    models+=${models:+|}$model
  done
  printf -v now '%(%s)T' -1
  if { read -r up _ </proc/uptime; } 2>/dev/null && [[ ${up%%.*} =~ ^[0-9]+$ ]]; then boot=$((now - ${up%%.*})); fi
  # Current: same driver and GPUs, recorded since this boot, since NOT_BEFORE, not in the future, not due a refresh.
  if [[ -f $file && ! -L $file ]] && { IFS=$'\t' read -r tag n d at s u m <"$file"; } 2>/dev/null &&
    [[ $tag == qsc-node-fact/1 && $n == "$node" && $d == "$driver" && $m == "$models" && $at =~ ^[0-9]{1,12}$ ]] &&
    ((at >= boot && at >= not_before && at <= now + 300 && now - at < refresh)); then
    return 0
  fi
  # Write: only into a directory of ours that is no symlink (made 0755 here, readable by all, when missing).
  if [[ ! -e $dir && ! -L $dir ]]; then mkdir -m 0755 -- "$dir" 2>/dev/null || true; fi
  [[ -d $dir && ! -L $dir && -O $dir ]] || return 0
  tmp=$dir/.$node.$$.$RANDOM
  [[ -e $tmp || -L $tmp ]] && return 0
  if ! { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' qsc-node-fact/1 "$node" "$driver" "$now" "$source" "${USER:-$UID}" \
    "$models" >"$tmp"; } 2>/dev/null; then
    rm -f -- "$tmp" 2>/dev/null || true
    return 0
  fi
  chmod 0644 -- "$tmp" 2>/dev/null || true
  mv -f -T -- "$tmp" "$file" 2>/dev/null || rm -f -- "$tmp" 2>/dev/null || true
  return 0
}
