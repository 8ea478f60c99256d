#!/usr/bin/env bash
# perf/block/fio-initrd.sh AGENT_INITRD: the agent initramfs (rootfs/build.sh's INITRD) with
# Debian's fio appended as a second cpio archive (the kernel unpacks concatenated archives one
# after another): /usr/bin/fio, every shared library ldd names for it at its usual path, and the
# dynamic loader. The agent runs fio like any other command.
#
# fio from Debian is linked against Ceph, GlusterFS, RDMA and PMEM libraries (about 80 MB with
# their own dependencies); the loader needs them all, so all go in. The guest needs RAM for them
# (perf/block gives both VMMs 1 GiB).
#
# stdout (only): INITRD=<the combined cpio>. Progress goes to stderr.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/fio-initrd/<key>, key = hash of the agent initramfs,
# fio and its libraries (contents) and this script.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
agent_initrd=${1:-}
if [ -z "$agent_initrd" ] || [ ! -f "$agent_initrd" ]; then
  echo "usage: perf/block/fio-initrd.sh AGENT_INITRD" >&2
  exit 2
fi
agent_initrd=$(readlink -f "$agent_initrd")

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
libs=("$here/../../scripts/lib/"{common,initramfs}.sh)
for lib in "${libs[@]}"; do
  # shellcheck source=/dev/null
  source "$lib"
done
# shellcheck disable=SC2034 # read by log
log_prefix=perf/block

ensure_pkgs fio cpio
fio=$(command -v fio)
# Every library fio loads, resolved on this host (the guest gets the same files), and the loader.
mapfile -t needed < <(ldd "$fio" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' \
  | sort -u)
[ ${#needed[@]} -gt 0 ] || { log "ldd found no libraries for $fio"; exit 1; }
key=$( { sha256sum "$agent_initrd" "$fio" "${needed[@]}" | cut -d' ' -f1; cat "${BASH_SOURCE[0]}" "${libs[@]}"; } \
  | sha256sum | cut -c1-16)
out=$cache/fio-initrd/$key

# build TMP STAGE (for cached_build): the fio tree in TMP, initrd.img in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local root=$1/root stage=$2 f
  log "building $out (fio $(dpkg-query -W -f='${Version}' fio))"
  mkdir -p "$root/usr/bin"
  cp "$fio" "$root/usr/bin/fio"
  for f in "${needed[@]}"; do
    # The path ldd printed (e.g. /lib/x86_64-linux-gnu/...; /lib64/ld-linux-x86-64.so.2), with
    # the symlinks followed: the guest's /lib is a directory, not merged /usr.
    mkdir -p "$root${f%/*}"
    cp -L "$f" "$root$f"
  done
  pack_cpio "$root" "$1/fio.cpio"
  cat "$agent_initrd" "$1/fio.cpio" > "$stage/initrd.img"
  log "initrd: $(du -h "$stage/initrd.img" | cut -f1) ($(du -h "$1/fio.cpio" | cut -f1) of fio)"
  echo "fio $(dpkg-query -W -f='${Version}' fio) on $agent_initrd" > "$stage/done"
}

cached_build "$out" build
echo "INITRD=$out/initrd.img"
