#!/bin/bash
# Pushes tiny busybox images shaped like NVIDIA NGC's (same env, e.g. CUDA_VERSION) to the testbed registry.
# Usage: seed-images.sh [IMAGES_FILE]   (default: images.txt next to this script; format described there)
# All images share one reproducible rootfs layer and differ only in their config, so a rebuild yields
# the same manifest digests and images already cached by digest stay valid.
set -euo pipefail
umask 022 # file modes are part of the layer digest
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/common.sh"
source "$HERE/lib/registry.sh"

IMAGES_FILE=${1:-$HERE/images.txt}
SEED_DIR=$STATE_DIR/seed
LAYOUT=$SEED_DIR/oci
FIXED_DATE=2000-01-01T00:00:00Z
BASE_ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The base is rebuilt only when busybox or this recipe changes (the stamp records both).
base_stamp() { sha256sum /bin/busybox "${BASH_SOURCE[0]}" | cut -d' ' -f1 | tr '\n' ' '; }

populate_rootfs() {
  local root=$1 applet
  mkdir -p "$root"/{bin,sbin,etc,dev,proc,sys,root,home,usr/bin,usr/sbin,usr/local/bin,var} "$root/tmp"
  chmod 1777 "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ $applet == busybox ]] || ln -sfn busybox "$root/bin/$applet"
  done
  ln -sfn ../../bin/busybox "$root/usr/bin/env" # for "#!/usr/bin/env sh" scripts
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
  # Fixed mtimes make the layer tarball byte-identical on every build.
  find "$root" -exec touch -h -d "$FIXED_DATE" {} +
}

build_base() {
  local stamp; stamp=$(base_stamp)
  if [[ -f $SEED_DIR/base.stamp && $(cat "$SEED_DIR/base.stamp") == "$stamp" && -f $LAYOUT/index.json ]]; then
    return
  fi
  log "seed: building the busybox base layer"
  rm -rf "$SEED_DIR" && mkdir -p "$SEED_DIR"
  umoci init --layout "$LAYOUT"
  umoci new --image "$LAYOUT:base"
  umoci unpack --image "$LAYOUT:base" "$SEED_DIR/bundle" >/dev/null
  populate_rootfs "$SEED_DIR/bundle/rootfs"
  umoci repack --image "$LAYOUT:base" --history.created "$FIXED_DATE" \
    --history.created_by "busybox-static rootfs (qsc testbed)" "$SEED_DIR/bundle"
  rm -rf "$SEED_DIR/bundle"
  printf '%s\n' "$stamp" >"$SEED_DIR/base.stamp"
}

# build_image NAME ENV...: the base with a fixed creation date and exactly PATH + ENV.
build_image() {
  local name=$1 kv; shift
  local args=(--config.env "$BASE_ENV")
  for kv in "$@"; do args+=(--config.env "$kv"); done
  umoci config --image "$LAYOUT:base" --tag "$name" --no-history --created "$FIXED_DATE" \
    --clear config.env --clear config.cmd --config.cmd /bin/sh "${args[@]}"
}

local_digest() { echo "sha256:$(skopeo inspect --raw "oci:$LAYOUT:$1" | sha256sum | cut -d' ' -f1)"; }

# push_image REPO TAG ENV...: skipped when the registry already holds exactly this manifest.
push_image() {
  local repo=$1 tag=$2; shift 2
  local name=${repo//\//_}_$tag want have
  build_image "$name" "$@"
  want=$(local_digest "$name")
  have=$(registry_manifest_digest "$repo" "$tag")
  if [[ $have == "$want" ]]; then
    echo "  = $repo:$tag $want"
    return
  fi
  [[ -n ${PUSH_AUTHFILE:-} ]] || new_authfile PUSH_AUTHFILE "$REGISTRY_ADDR" "$REGISTRY_USER" "$(registry_password)"
  skopeo copy -q --preserve-digests --dest-tls-verify=false --dest-authfile "$PUSH_AUTHFILE" \
    "oci:$LAYOUT:$name" "docker://$REGISTRY_ADDR/$repo:$tag" >/dev/null
  have=$(registry_manifest_digest "$repo" "$tag")
  [[ $have == "$want" ]] || die "pushed $repo:$tag but the registry reports digest '$have', expected $want"
  echo "  + $repo:$tag $want"
}

main() {
  [[ -r $IMAGES_FILE ]] || die "images file $IMAGES_FILE not readable"
  [[ -r $REGISTRY_PASSWORD_FILE ]] || die "no registry password at $REGISTRY_PASSWORD_FILE: run up.sh first"
  # One seeder at a time: concurrent runs would rewrite the same OCI layout.
  exec 9>"$STATE_DIR/seed.lock"
  flock 9
  build_base
  local repo tag env count=0 line
  while read -r repo tag env; do
    [[ -z $repo || $repo == \#* ]] && continue
    [[ -n $tag ]] || die "$IMAGES_FILE: '$repo' has no tag"
    read -ra envs <<<"$env"
    for line in "${envs[@]}"; do [[ $line == [A-Za-z_]*=* ]] || die "$IMAGES_FILE: $repo:$tag: '$line' is not KEY=VALUE"; done
    push_image "$repo" "$tag" "${envs[@]}"
    ((count += 1))
  done <"$IMAGES_FILE"
  umoci gc --layout "$LAYOUT"
  log "seed: $count images from $IMAGES_FILE are in $REGISTRY_ADDR"
}

main "$@"
