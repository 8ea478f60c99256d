#!/usr/bin/env bash
# Build an ext4 root filesystem image, for guests with a block device (hv_storvsc).
#
#   rootfs/make-ext4.sh [--size SIZE] [--agent AGENT] DIR OUT.img
#       DIR's contents become the filesystem (mkfs.ext4 -d: no root, no loop device, no mount).
#   rootfs/make-ext4.sh [--size SIZE] [--agent AGENT] [--suite SUITE] [--include PKGS] --debootstrap OUT.img
#       A minimal Debian (debootstrap --variant=minbase, default suite bookworm, PKGS a comma
#       list) first; debootstrap needs root (it chroots to run package scripts).
#
# --agent copies partvm-agent to /sbin/partvm-agent in the image. SIZE: mkfs/truncate syntax
# (e.g. 2G); default: the contents plus a quarter, at least 64 MiB. Files keep the owners they
# have in DIR, so build DIR as root (or under fakeroot, running this script in the same session).
set -euo pipefail

log_prefix=make-ext4
lib=$(cd "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib" && pwd)/common.sh
# shellcheck source=../scripts/lib/common.sh
source "$lib" # log, ensure_pkgs
usage() {
  sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

size='' agent='' suite=bookworm include='' debootstrap=0 dir=''
while [ $# -gt 0 ]; do
  case $1 in
    --size) size=${2:?}; shift 2 ;;
    --agent) agent=${2:?}; shift 2 ;;
    --suite) suite=${2:?}; shift 2 ;;
    --include) include=${2:?}; shift 2 ;;
    --debootstrap) debootstrap=1; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) break ;;
  esac
done
if [ "$debootstrap" = 1 ]; then
  [ $# -eq 1 ] || usage
else
  [ $# -eq 2 ] || usage
  dir=$1
  shift
  [ -d "$dir" ] || { log "$dir is not a directory"; exit 2; }
fi
out=$1

export DEBIAN_FRONTEND=noninteractive
ensure_pkgs e2fsprogs binutils

tmp=
cleanup() { [ -z "$tmp" ] || rm -rf "$tmp"; }
trap cleanup EXIT

if [ "$debootstrap" = 1 ]; then
  [ "$(id -u)" -eq 0 ] || { log "--debootstrap needs root"; exit 1; }
  ensure_pkgs debootstrap
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/partvm-ext4.XXXXXX")
  dir=$tmp/root
  log "debootstrap $suite into $dir"
  debootstrap --variant=minbase ${include:+--include="$include"} "$suite" "$dir" >&2
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
fi
if [ -n "$agent" ]; then
  if [ -z "$tmp" ]; then
    # Never write into the caller's DIR: stage a copy with the agent added.
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/partvm-ext4.XXXXXX")
    cp -a "$dir" "$tmp/root"
    dir=$tmp/root
  fi
  mkdir -p "$dir/sbin"
  strip --strip-all -o "$dir/sbin/partvm-agent" "$agent"
  chmod 755 "$dir/sbin/partvm-agent"
fi

if [ -z "$size" ]; then
  used=$(du -sb "$dir" | cut -f1)
  mib=$(( (used + used / 4) / 1048576 + 16 ))
  [ "$mib" -ge 64 ] || mib=64
  size=${mib}M
fi
rm -f "$out"
truncate -s "$size" "$out"
# -d copies the tree in; root_owner: the root directory is root's even when DIR is not.
mkfs.ext4 -q -F -m 0 -L partvm-root -d "$dir" -E root_owner=0:0 "$out" >&2
log "$out ($size)"
