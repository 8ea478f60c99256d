# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# For the scripts that build guest initramfs trees: kernel modules with their dependencies,
# busybox with its applet links, and the cpio archive.

# install_modules KDIR UNAME_R ROOT MODULE...: MODULE and everything it needs, copied from the
# unpacked kernel package KDIR to their usual paths under ROOT, then a fresh depmod so that
# modprobe (busybox's too) resolves dependencies itself.
install_modules() {
  local kdir=$1 uname_r=$2 root=$3 m ko rel
  shift 3
  local mdir=lib/modules/$uname_r
  [ -f "$kdir/$mdir/modules.dep" ] || depmod -b "$kdir" "$uname_r" # the package ships none
  mkdir -p "$root/$mdir"
  for m in "$@"; do
    modprobe -C /dev/null -d "$kdir" -S "$uname_r" --show-depends "$m"
  done | awk '$1 == "insmod" && !seen[$2]++ {print $2}' | while read -r ko; do
    rel=${ko#"$kdir"/}
    mkdir -p "$root/${rel%/*}"
    cp "$ko" "$root/$rel"
  done
  cp "$kdir/$mdir"/modules.{order,builtin,builtin.modinfo} "$root/$mdir/"
  depmod -b "$root" "$uname_r"
}

# install_busybox ROOT: the static busybox as ROOT/bin/busybox and a symlink for every applet at
# its usual place (bin/sh, sbin/modprobe, usr/bin/env, ...), made now rather than by the guest.
install_busybox() {
  local root=$1 applet dir up
  mkdir -p "$root/bin"
  cp /bin/busybox "$root/bin/busybox"
  /bin/busybox --list-full | while read -r applet; do
    case $applet in
      */*) ;;
      *) continue ;; # linuxrc: not wanted at the top
    esac
    [ "$applet" = bin/busybox ] && continue
    [ -e "$root/$applet" ] || [ -L "$root/$applet" ] && continue
    dir=${applet%/*}
    mkdir -p "$root/$dir"
    # Relative ("../../bin/busybox" from usr/sbin), so the links also resolve from outside the
    # guest (an ext4 image, a chroot). Computed by hand: the host's /bin may be a symlink.
    up=$(echo "$dir/" | sed 's|[^/]*/|../|g')
    ln -s "${up}bin/busybox" "$root/$applet"
  done
}

# pack_cpio ROOT OUT: ROOT as a newc cpio archive (files in sorted order), uncompressed.
pack_cpio() {
  (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$2"
}
