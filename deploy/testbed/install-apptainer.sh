#!/bin/bash
# Installs Apptainer from Debian sid onto bookworm (no bookworm package exists) with a private glibc.
# Why this shape: sid's binaries need glibc >= 2.38 (bookworm has 2.36) and `dpkg -i` would break apt on
# unmet deps, so the .deb is unpacked and its ELF files are patched to load sid's libc from a private dir.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib/common.sh"

LIBC_DIR=/opt/qsc-testbed/apptainer-libc
SID_APT=/var/cache/qsc-testbed/sid-apt
# Every ELF executable in the apptainer .deb (checked at install time: no other binaries are shipped;
# squashfuse, fuse3, mksquashfs and newuidmap come from bookworm packages).
APPTAINER_ELVES=(/usr/bin/apptainer /usr/lib/x86_64-linux-gnu/apptainer/bin/starter)

installed_ok() {
  local f
  for f in "${APPTAINER_ELVES[@]}"; do
    [[ -x $f && $(patchelf --print-interpreter "$f" 2>/dev/null) == "$LIBC_DIR/ld-linux-x86-64.so.2" ]] || return 1
  done
  apptainer version >/dev/null 2>&1
}

sid_apt() {
  apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$SID_APT/sources" \
    -o Dir::State::Lists="$SID_APT/lists" -o Dir::Cache="$SID_APT/cache" -o Dir::State::status=/dev/null \
    -o Acquire::Languages=none -o APT::Sandbox::User=root -qq "$@"
}

fetch_debs() {
  mkdir -p "$SID_APT"/{sources,lists/partial,cache/archives/partial,debs}
  # Same mirror as the machine's own apt sources, only the suite differs.
  cat >"$SID_APT/sources/sid.sources" <<EOF
Types: deb
URIs: $(debian_mirror_uri)
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  sid_apt update >/dev/null
  rm -f "$SID_APT"/debs/*.deb
  (cd "$SID_APT/debs" && sid_apt download apptainer libc6 >/dev/null)
}

unpack_and_patch() {
  local tmp deb_app deb_libc f
  deb_app=$(ls "$SID_APT"/debs/apptainer_*.deb)
  deb_libc=$(ls "$SID_APT"/debs/libc6_*.deb)
  tmp=$(mktemp -d)
  dpkg-deb -x "$deb_libc" "$tmp"
  rm -rf "$LIBC_DIR" && mkdir -p "$LIBC_DIR"
  cp -a "$tmp/usr/lib/x86_64-linux-gnu/." "$LIBC_DIR/"
  rm -rf "$tmp"
  dpkg-deb -x "$deb_app" /
  # dpkg does not know these files: keep the list so they can be found (and removed) later.
  dpkg-deb -c "$deb_app" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\./|/|' >/opt/qsc-testbed/apptainer.files
  for f in "${APPTAINER_ELVES[@]}"; do
    patchelf --set-interpreter "$LIBC_DIR/ld-linux-x86-64.so.2" \
      --set-rpath "$LIBC_DIR:/usr/lib/x86_64-linux-gnu" "$f"
  done
  ln -sfn apptainer /usr/bin/singularity
}

main() {
  [[ $EUID -eq 0 ]] || die "install-apptainer.sh must run as root"
  if installed_ok; then
    ln -sfn apptainer /usr/bin/singularity
    log "apptainer: $(apptainer version) already installed"
    return
  fi
  log "apptainer: fetching apptainer and libc6 from sid (mirror $(debian_mirror_uri))"
  fetch_debs
  unpack_and_patch
  installed_ok || die "apptainer installed but 'apptainer version' fails"
  log "apptainer: installed $(apptainer version) ($(basename "$(ls "$SID_APT"/debs/apptainer_*.deb)"))"
}

main "$@"
