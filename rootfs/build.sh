#!/usr/bin/env bash
# Build (or reuse from cache) the guest root filesystem: an initramfs whose /init is partvm-agent
# (PID 1: mounts, modules, then exec sessions for the host over vsock port 10000;
# docs/agent-protocol.md), and Debian's 6.1 cloud kernel, the stock kernel it also boots.
# partvm's default kernel is guest-kernel-config/'s; rootfs/install-images.sh pairs them.
#
#   rootfs/build.sh AGENT            AGENT: the partvm-agent binary CMake built
#   PARTVM_AGENT=AGENT rootfs/build.sh
#   (or: cmake --build build --target partvm-initramfs)
#
# The initramfs: busybox with every applet linked in /bin, /sbin, /usr/bin, /usr/sbin; the agent
# as /init (stripped); the Hyper-V modules (hv_vmbus, hv_utils, hv_sock, hv_storvsc + sd_mod,
# hv_netvsc), overlay (partvm run --image: docs/images.md) and, for the QEMU comparison,
# virtio-vsock over virtio-pci or virtio-mmio and virtio-blk (perf/block), with depmod;
# /etc/passwd with root and nobody, /etc/group, /etc/hosts. It is an uncompressed cpio: the kernel
# unpacks it without a decompression pass.
# Kernel command line the agent reads: partvm.modules=a,b (default hv_vmbus,hv_utils,hv_sock),
# partvm.hostname=NAME.
#
# stdout (only): KERNEL=<bzImage> INITRD=<cpio> LEAN_INITRD=<the cpio without modules, for a
# kernel with the drivers built in> and, if it could be extracted, VMLINUX=<ELF>.
# Progress goes to stderr.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/rootfs/<key>, key = hash of the kernel package
# version, the busybox version, the agent binary, this script and its helpers.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
meta=linux-image-cloud-amd64
modules=(hv_vmbus hv_utils hv_sock hv_storvsc sd_mod hv_netvsc overlay
         vmw_vsock_virtio_transport virtio_pci virtio_mmio virtio_blk)
export DEBIAN_FRONTEND=noninteractive

# shellcheck disable=SC2034 # read by log (scripts/lib/common.sh, sourced below)
log_prefix=rootfs

agent=${1:-${PARTVM_AGENT:-}}
if [ -z "$agent" ] || [ ! -f "$agent" ]; then
  echo "usage: rootfs/build.sh PARTVM_AGENT_BINARY (or PARTVM_AGENT=...)" >&2
  exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
libs=("$here/../scripts/lib/"{common,debian-kernel,initramfs}.sh)
for lib in "${libs[@]}"; do
  # shellcheck source=/dev/null
  source "$lib"
done

ensure_pkgs busybox-static cpio kmod binutils xz-utils lz4
read -r kpkg kver < <(resolve_kernel "$meta") || true
[ -n "${kver:-}" ] || { log "cannot resolve $meta"; exit 1; }
bbver=$(dpkg-query -W -f='${Version}' busybox-static)
key=$( { echo "$kpkg $kver busybox $bbver"; sha256sum < "$agent"; cat "${BASH_SOURCE[0]}" "${libs[@]}"; } \
  | sha256sum | cut -c1-16)
out=$cache/rootfs/$key

# build TMP STAGE (for cached_build): the kernel package and the tree in TMP; bzImage, initrd.img,
# initrd-lean.img and, if it could be extracted, vmlinux in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local tmp=$1 stage=$2 kdir=$1/k root=$1/root uname_r
  log "building $out ($kpkg $kver)"
  fetch_deb "$kpkg=$kver" "$tmp"
  uname_r=$(ls "$kdir/lib/modules")

  mkdir -p "$root"/{dev,proc,sys,tmp,run,etc,usr/bin,usr/sbin}
  install -d -m 700 "$root/root"
  chmod 1777 "$root/tmp"
  install_busybox "$root"
  install_modules "$kdir" "$uname_r" "$root" "${modules[@]}"
  strip --strip-all -o "$root/init" "$agent"
  chmod 755 "$root/init"
  # The kernel's built-in initramfs has /dev/console too; ours only matters without it.
  mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || log "no /dev/console node (not root)"

  cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
  cat > "$root/etc/group" <<'GROUP'
root:x:0:
tty:x:5:
nogroup:x:65534:
GROUP
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > "$root/etc/hosts"

  pack_cpio "$root" "$stage/initrd.img"
  log "modules: $(cd "$root/lib/modules/$uname_r" && find kernel -name '*.ko' -printf '%f ')"
  # The same without modules, for kernels with the drivers built in (guest-kernel-config/): the
  # kernel unpacks every byte of the initramfs at each boot.
  rm -rf "$root/lib/modules"
  pack_cpio "$root" "$stage/initrd-lean.img"
  cp "$kdir/boot/vmlinuz-$uname_r" "$stage/bzImage"
  vmlinux "$stage/bzImage" "$stage/vmlinux" || log "no ELF vmlinux could be extracted"
  log "initrd: $(du -h "$stage/initrd.img" | cut -f1), without modules $(du -h "$stage/initrd-lean.img" | cut -f1)"
  echo "$kpkg $kver $uname_r" > "$stage/done"
}

cached_build "$out" build
echo "KERNEL=$out/bzImage"
echo "INITRD=$out/initrd.img"
echo "LEAN_INITRD=$out/initrd-lean.img"
[ -f "$out/vmlinux" ] && echo "VMLINUX=$out/vmlinux"
exit 0
