#!/usr/bin/env bash
# rootfs/install-images.sh AGENT DIR: builds (or reuses) the guests and links them into DIR, where
# `partvm run` looks by default:
#   DIR/kernel, DIR/initrd.img    partvm's own kernel (guest-kernel-config/, drivers built in, ELF
#                                 vmlinux) and the agent initramfs without modules
#   DIR/stock/bzImage, DIR/stock/initrd.img
#                                 Debian's stock cloud kernel and the agent initramfs with its
#                                 Hyper-V modules: `partvm run --kernel ... --rootfs ...`
#   DIR/debian.ext4               Debian bookworm with python3 (rootfs/debian-image.sh), for
#                                 `partvm run --image`. Its first build needs root and a Debian
#                                 mirror; without root and not cached, it is left out (logged).
# stdout: KERNEL=, INITRD=, STOCK_KERNEL=, STOCK_INITRD=, and IMAGE= if linked (the links).
set -euo pipefail
agent=${1:?usage: install-images.sh AGENT DIR} dir=${2:?usage: install-images.sh AGENT DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../scripts/lib/common.sh
source "$here/../scripts/lib/common.sh"
KERNEL='' INITRD='' LEAN_INITRD='' VMLINUX=''
# One stream, so the last VMLINUX wins: guest-kernel-config's, after rootfs/build.sh's own.
import_outputs KERNEL INITRD LEAN_INITRD VMLINUX \
  < <("$here/build.sh" "$agent"; "$here/../guest-kernel-config/build.sh")
for key in VMLINUX LEAN_INITRD KERNEL INITRD; do
  [ -n "${!key}" ] || { echo "install-images: no $key from the guest builds" >&2; exit 1; }
done
mkdir -p "$dir/stock"
ln -sfn "$VMLINUX" "$dir/kernel"
ln -sfn "$LEAN_INITRD" "$dir/initrd.img"
ln -sfn "$KERNEL" "$dir/stock/bzImage"
ln -sfn "$INITRD" "$dir/stock/initrd.img"
rm -f "$dir/bzImage" # The default kernel's link before it was partvm's own.
IMAGE=''
if import_outputs IMAGE < <("$here/debian-image.sh") && [ -n "$IMAGE" ]; then
  ln -sfn "$IMAGE" "$dir/debian.ext4"
elif [ "$(id -u)" -eq 0 ]; then
  echo "install-images: building the Debian image failed" >&2
  exit 1
else
  echo "install-images: no $dir/debian.ext4 (its first build needs root)" >&2
fi
echo "KERNEL=$dir/kernel"
echo "INITRD=$dir/initrd.img"
echo "STOCK_KERNEL=$dir/stock/bzImage"
echo "STOCK_INITRD=$dir/stock/initrd.img"
[ -z "$IMAGE" ] || echo "IMAGE=$dir/debian.ext4"
