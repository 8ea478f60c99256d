#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build (or reuse from cache) a Debian root filesystem image for `partvm run --image`: Debian 12
# (bookworm) minbase from debootstrap with python3, as an ext4 image (rootfs/make-ext4.sh).
# Nothing partvm-specific is in it: the agent stays in the initramfs (docs/images.md).
#
#   rootfs/debian-image.sh
#
# stdout (only): IMAGE=<the ext4 image>. Progress goes to stderr.
# Needs root and a Debian mirror the first time (debootstrap chroots to run package scripts);
# a cached image needs neither.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/debian-image/<key>/debian.ext4, key = hash of the
# suite, the package list, this script, make-ext4.sh and the script library.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
suite=bookworm
packages=python3

# shellcheck disable=SC2034 # read by log (scripts/lib/common.sh, sourced below)
log_prefix=debian-image
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
lib=$here/../scripts/lib/common.sh
# shellcheck source=../scripts/lib/common.sh
source "$lib"

key=$( { echo "$suite $packages"; cat "${BASH_SOURCE[0]}" "$here/make-ext4.sh" "$lib"; } \
  | sha256sum | cut -c1-16)
out=$cache/debian-image/$key

# build TMP STAGE (for cached_build): the image in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local stage=$2 started=$SECONDS
  [ "$(id -u)" -eq 0 ] || { log "building $out needs root (debootstrap)"; return 1; }
  log "building $out: debootstrap $suite minbase with $packages (a few minutes)"
  TMPDIR=$1 "$here/make-ext4.sh" --suite "$suite" --include "$packages" --debootstrap \
    "$stage/debian.ext4"
  log "built in $((SECONDS - started)) s: $(du -h --apparent-size "$stage/debian.ext4" | cut -f1)"
  echo "debian $suite minbase + $packages" > "$stage/done"
}

cached_build "$out" build
echo "IMAGE=$out/debian.ext4"
