#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: install, build, fetch the test guest (Debian's 6.1
# cloud kernel + a busybox initramfs), boot it in a partvm microVM with 2 vCPUs and show the
# guest's result line. Uses /dev/kvm directly where it works, else a nested L1 under QEMU TCG.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh" default >&2

while IFS='=' read -r key value; do
    case "$key" in KERNEL | INITRD) declare "$key=$value" ;; esac
done < <("$root/rootfs/test-guest/build.sh")

exec "$root/tests/nested/kvm-run" -- "$root/build/partvm" boot --kernel "$KERNEL" \
    --initrd "$INITRD" --vcpus 2 --memory 512M --serial --cmdline "console=ttyS0 quiet panic=-1"
