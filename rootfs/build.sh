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
# hv_netvsc) and, for the QEMU comparison, virtio-vsock over virtio-pci or virtio-mmio, with
# depmod; /etc/passwd with root and nobody, /etc/group, /etc/hosts. It is an uncompressed cpio:
# the kernel unpacks it without a decompression pass.
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
modules=(hv_vmbus hv_utils hv_sock hv_storvsc sd_mod hv_netvsc
         vmw_vsock_virtio_transport virtio_pci virtio_mmio)
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

# Built already: no lock, no writes (the cache may be read-only, e.g. in L1).
if [ ! -f "$out/done" ]; then
  mkdir -p "$cache/rootfs"
  exec 9>"$cache/rootfs/.lock"
  flock 9 # parallel callers: one builds, the others wait and reuse
fi
if [ ! -f "$out/done" ]; then
  log "building $out ($kpkg $kver)"
  tmp=$(mktemp -d "$cache/rootfs/.tmp.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  fetch_deb "$kpkg=$kver" "$tmp"
  kdir=$tmp/k
  uname_r=$(ls "$kdir/lib/modules")

  root=$tmp/root
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

  pack_cpio "$root" "$tmp/initrd.img"
  log "modules: $(cd "$root/lib/modules/$uname_r" && find kernel -name '*.ko' -printf '%f ')"
  # The same without modules, for kernels with the drivers built in (guest-kernel-config/): the
  # kernel unpacks every byte of the initramfs at each boot.
  rm -rf "$root/lib/modules"
  pack_cpio "$root" "$tmp/initrd-lean.img"
  cp "$kdir/boot/vmlinuz-$uname_r" "$tmp/bzImage"
  vmlinux "$tmp/bzImage" "$tmp/vmlinux" || log "no ELF vmlinux could be extracted"
  mkdir -p "$out"
  mv "$tmp/bzImage" "$tmp/initrd.img" "$tmp/initrd-lean.img" "$out/"
  [ -f "$tmp/vmlinux" ] && mv "$tmp/vmlinux" "$out/"
  echo "$kpkg $kver $uname_r" > "$out/done"
  # Outputs of older inputs (built over a day ago) go.
  find "$cache/rootfs" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' ! -name "$key" -mtime +0 -exec rm -rf {} +
  log "initrd: $(du -h "$out/initrd.img" | cut -f1), without modules $(du -h "$out/initrd-lean.img" | cut -f1)"
fi
echo "KERNEL=$out/bzImage"
echo "INITRD=$out/initrd.img"
echo "LEAN_INITRD=$out/initrd-lean.img"
[ -f "$out/vmlinux" ] && echo "VMLINUX=$out/vmlinux"
exit 0
