#!/usr/bin/env bash
# rootfs/install-images.sh AGENT DIR: builds (or reuses) the default guest with rootfs/build.sh
# and links DIR/bzImage and DIR/initrd.img to it: where `partvm run` looks by default.
set -euo pipefail
agent=${1:?usage: install-images.sh AGENT DIR} dir=${2:?usage: install-images.sh AGENT DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kernel= initrd=
while IFS='=' read -r key value; do
    case $key in
    KERNEL) kernel=$value ;;
    INITRD) initrd=$value ;;
    esac
done < <("$here/build.sh" "$agent")
[ -n "$kernel" ] && [ -n "$initrd" ] || { echo "install-images: rootfs/build.sh gave no images" >&2; exit 1; }
mkdir -p "$dir"
ln -sfn "$kernel" "$dir/bzImage"
ln -sfn "$initrd" "$dir/initrd.img"
echo "KERNEL=$dir/bzImage"
echo "INITRD=$dir/initrd.img"
