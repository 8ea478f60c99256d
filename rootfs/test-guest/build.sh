#!/usr/bin/env bash
# Build (or reuse from cache) the L2 test guest: Debian's 6.1 cloud kernel
# (Hyper-V drivers as modules) and a busybox initramfs whose /init
# (rootfs/test-guest/init) prints
#   PARTVM-INIT  (its first command)
#   PARTVM-RESULT uptime=<s> cpus=<n> hyperv=<yes|no>
# on /dev/console and powers off. uptime is taken when /init starts.
# Kernel command line knobs read by /init:
#   partvm.modules=a,b,c  modprobe these in order first (hv_vmbus, hv_sock, ...); ignored
#                         by a kernel without module support (drivers built in)
#   partvm.exit=reboot    end with `reboot -f` (triple fault/reset) instead of
#                         `poweroff -f` (ACPI), for VMMs without ACPI power-off
#   partvm.exit=hang      never end (tests of stopping a VM from outside)
#   partvm.exit=hang-deaf the same, and ignore poweroff/reboot requests too
#   partvm.vmbus=report   after the modules, wait for the VMBus channels to bind
#                         and print PARTVM-VMBUS version=<x.y> devices=<class:driver,..>
#   partvm.vmbus=reload   the same, then unload and reload hv_utils and hv_vmbus
#                         (UNLOAD, then a fresh connect) and report again
#
# stdout (only): KERNEL=<bzImage> INITRD=<gzip cpio> and, if it could be
# extracted, VMLINUX=<uncompressed ELF>. Progress goes to stderr.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/test-guest/<key>, key = hash of
# the kernel package version, this script, the init and the scripts/lib files
# it sources.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
meta=linux-image-cloud-amd64
modules=(hv_vmbus hv_utils hv_sock hv_storvsc sd_mod hv_netvsc)
export DEBIAN_FRONTEND=noninteractive

# shellcheck disable=SC2034 # read by log (scripts/lib/common.sh, sourced below)
log_prefix=test-guest

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
libs=("$here/../../scripts/lib/"{common,debian-kernel,initramfs}.sh)
for lib in "${libs[@]}"; do
  # shellcheck source=/dev/null
  source "$lib"
done

ensure_pkgs busybox-static cpio kmod gzip lz4 xz-utils
read -r kpkg kver < <(resolve_kernel "$meta") || true
[ -n "${kver:-}" ] || { log "cannot resolve $meta"; exit 1; }
key=$( { echo "$kpkg $kver"; cat "${BASH_SOURCE[0]}" "$here/init" "${libs[@]}"; } | sha256sum | cut -c1-16)
out=$cache/test-guest/$key

# build TMP STAGE (for cached_build): the kernel package and the tree in TMP; bzImage, initrd.img
# and, if it could be extracted, vmlinux in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local tmp=$1 stage=$2 kdir=$1/k root=$1/root uname_r
  log "building $out ($kpkg $kver)"
  fetch_deb "$kpkg=$kver" "$tmp"
  uname_r=$(ls "$kdir/lib/modules")

  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys}
  cp /bin/busybox "$root/bin/busybox"
  mknod -m 600 "$root/dev/console" c 5 1 # /init starts with stdio on the console
  install_modules "$kdir" "$uname_r" "$root" "${modules[@]}"
  install -m 755 "$here/init" "$root/init"

  pack_cpio "$root" /dev/stdout | gzip -9 > "$stage/initrd.img"
  cp "$kdir/boot/vmlinuz-$uname_r" "$stage/bzImage"
  vmlinux "$stage/bzImage" "$stage/vmlinux" || log "no ELF vmlinux could be extracted"
  log "modules: $(cd "$root/lib/modules/$uname_r" && find kernel -name '*.ko' -printf '%f ')"
  echo "$kpkg $kver $uname_r" > "$stage/done"
}

cached_build "$out" build
echo "KERNEL=$out/bzImage"
echo "INITRD=$out/initrd.img"
[ -f "$out/vmlinux" ] && echo "VMLINUX=$out/vmlinux"
exit 0
