#!/usr/bin/env bash
# Build (or reuse from cache) the L1 VM that tests/nested/kvm-run boots under
# QEMU TCG: Debian's generic 6.1 kernel (its kvm-amd gives a real /dev/kvm on
# TCG's emulated SVM) and a busybox initramfs whose /init runs one command in
# a chroot of the host's root filesystem shared over 9p.
#
# stdout: KERNEL=<path> and INITRD=<path> lines only; progress goes to stderr.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/l1/<key>, key = hash of the
# kernel package version, this script (which contains the init) and the
# scripts/lib files it sources.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
meta=linux-image-amd64                       # metapackage naming the current 6.1 ABI
required=(kvm-amd 9p 9pnet_virtio virtio_pci) # KVM, and the host's files over 9p
optional=(tun veth bridge vhost_net vhost_vsock # network/vsock tests in L1
          dm-mod loop ext4)                    # disk tests; images on ext4 on a loop (perf/block)
export DEBIAN_FRONTEND=noninteractive

# shellcheck disable=SC2034 # read by log (scripts/lib/common.sh, sourced below)
log_prefix=build-l1

libdir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib" && pwd)
libs=("$libdir/"{common,debian-kernel,initramfs}.sh)
for lib in "${libs[@]}"; do
  # shellcheck source=/dev/null
  source "$lib"
done

ensure_pkgs qemu-system-x86 busybox-static cpio kmod
read -r kpkg kver < <(resolve_kernel "$meta") || true
[ -n "${kver:-}" ] || { log "cannot resolve $meta"; exit 1; }
key=$( { echo "$kpkg $kver"; cat "${BASH_SOURCE[0]}" "${libs[@]}"; } | sha256sum | cut -c1-16)
out=$cache/l1/$key

# build TMP STAGE (for cached_build): the kernel package and the tree in TMP; vmlinuz (an ELF
# vmlinux where it could be extracted, else the bzImage) and initrd.img in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local tmp=$1 stage=$2 kdir=$1/k root=$1/root uname_r m ko n
  log "building $out ($kpkg $kver)"
  fetch_deb "$kpkg=$kver" "$tmp"
  uname_r=$(ls "$kdir/lib/modules")
  [ -f "$kdir/lib/modules/$uname_r/modules.dep" ] || depmod -b "$kdir" "$uname_r"

  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,host,job,modules}
  cp /bin/busybox "$root/bin/busybox"
  mknod -m 600 "$root/dev/console" c 5 1 # so /init starts with stdio on the console

  # Module load order from modprobe's own dependency resolution; -C /dev/null
  # keeps the host's modprobe.d out of it. Copies are numbered so that /init
  # just insmods /modules/*.ko in glob order.
  show() { modprobe -C /dev/null -d "$kdir" -S "$uname_r" --show-depends "$1"; }
  {
    for m in "${required[@]}"; do show "$m"; done
    for m in "${optional[@]}"; do show "$m" 2>/dev/null || log "no module $m, skipped"; done
  } | awk '$1 == "insmod" && !seen[$2]++ {print $2}' > "$tmp/order"
  n=10
  while read -r ko; do
    cp "$ko" "$root/modules/$n-${ko##*/}"
    n=$((n + 1))
  done < "$tmp/order"

  cat > "$root/init" <<'INIT'
#!/bin/busybox sh
# PID 1 of the L1 VM. Protocol with kvm-run (job share, mounted at /job):
#   /job/cmd     script to run chrooted in the host root (cwd, env set by it)
#   /job/mounts  lines "<9p tag> <absolute path>": writable host dirs
#   /job/rc      written here: the command's exit status
# ttyS0 carries the command's stdout, ttyS1 its stderr.
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/null >/dev/ttyS0 2>/dev/ttyS1
stty -F /dev/ttyS0 -opost # no \n -> \r\n: the host gets bytes as written
stty -F /dev/ttyS1 -opost
# Silence the console (the kernel's own "Power down" is KERN_EMERG, which
# `dmesg -n 1` would still print); a panic raises the level again itself.
# For debugging: PARTVM_NESTED_APPEND="partvm.verbose loglevel=7".
grep -q partvm.verbose /proc/cmdline || echo 0 > /proc/sys/kernel/printk
die() { echo "kvm-run(L1): $*" >&2; sync; poweroff -f; }

for m in /modules/*.ko; do insmod "$m" || echo "kvm-run(L1): insmod ${m#*-} failed" >&2; done
[ -e /dev/kvm ] || mknod -m 666 /dev/kvm c 10 232
mkdir -p /dev/net /dev/pts /dev/shm
[ -e /dev/net/tun ] || mknod -m 666 /dev/net/tun c 10 200
chmod 666 /dev/kvm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
hostname partvm-l1

o=trans=virtio,version=9p2000.L,msize=262144
# cache=loose: the host root is read-only and static, so let L1 cache it
# (binaries and libraries load much faster). Writable shares use cache=mmap:
# coherent with the host, and still allow shared writable mmap.
mount -t 9p -o $o,cache=mmap job /job || die "cannot mount the job share"
mount -t 9p -o $o,ro,cache=loose hostroot /host || die "cannot mount the host root"
mount -o rbind /proc /host/proc
mount -o rbind /sys /host/sys
mount -o rbind /dev /host/dev
mount -t tmpfs -o mode=1777 tmpfs /host/tmp
mount -t tmpfs -o mode=755 tmpfs /host/run
mkdir /host/run/partvm-job
mount -o bind /job /host/run/partvm-job
while read -r tag path; do
  mkdir -p "/host$path" 2>/dev/null # only possible (and needed) below a tmpfs
  mount -t 9p -o $o,cache=mmap "$tag" "/host$path" || die "cannot mount $path"
done < /job/mounts

# Two paused, never-run VMs hold KVM's static keys (preempt notifiers, used
# in __schedule; APIC sw-disabled; vCPU without in-kernel APIC) for the whole
# session. Otherwise every L2 VM start and stop re-patches L1 kernel text, and
# QEMU 7.2's multi-threaded TCG now and then keeps a stale translation of the
# int3 used while patching: both L1 vCPUs then loop on it forever (seen about
# once per 10 L2 boots).
pin() {
  chroot /host qemu-system-x86_64 -accel kvm -M "$1" -m 16 -smp 1 -S -nodefaults \
    -no-user-config -display none </dev/null >/dev/null 2>&1 &
}
pin pc
pin pc,kernel-irqchip=off
i=0
while [ "$(ls -l /proc/[0-9]*/fd 2>/dev/null | grep -c kvm-vcpu)" -lt 2 ]; do
  i=$((i + 1))
  [ $i -gt 600 ] && { echo "kvm-run(L1): KVM key pinning VMs did not start" >&2; break; }
  sleep 0.1
done

env -i /bin/busybox chroot /host /run/partvm-job/cmd
echo $? > /job/rc
sync
poweroff -f
INIT
  chmod 755 "$root/init"

  # Uncompressed cpio: decompressing under TCG would cost more than loading.
  pack_cpio "$root" "$stage/initrd.img"
  # Boot the uncompressed ELF through its PVH entry when it can be extracted:
  # it saves ~3 s of CPU per boot that xz decompression costs under TCG.
  vmlinux "$kdir/boot/vmlinuz-$uname_r" "$stage/vmlinuz" || cp "$kdir/boot/vmlinuz-$uname_r" "$stage/vmlinuz"
  log "modules: $(sed 's|.*/||' "$tmp/order" | tr '\n' ' ')"
  echo "$kpkg $kver $uname_r" > "$stage/done"
}

cached_build "$out" build
echo "KERNEL=$out/vmlinuz"
echo "INITRD=$out/initrd.img"
