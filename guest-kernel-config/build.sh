#!/usr/bin/env bash
# Build (or reuse from cache) partvm's own guest kernel: Linux 6.1 from Debian's linux-source-6.1
# package, configured as `make tinyconfig` + partvm.config (merge_config.sh -m, make
# olddefconfig), with the Hyper-V drivers built in, so the guest needs no modules
# (boot it with partvm.modules= on the command line).
#
#   guest-kernel-config/build.sh
#
# stdout (only): VMLINUX=<uncompressed ELF, symbols stripped> and BZIMAGE=<bzImage>.
# Progress goes to stderr: a line every 30 s while make runs.
# Cache: ${PARTVM_CACHE:-$HOME/.cache/partvm}/guest-kernel/<key>, key = hash of the
# linux-source-6.1 package version, partvm.config and this script. Next to the images: config
# (the merged .config) and System.map. Concurrent callers wait for one build and reuse it.
set -euo pipefail

cache=${PARTVM_CACHE:-$HOME/.cache/partvm}
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
export DEBIAN_FRONTEND=noninteractive

log_prefix=guest-kernel

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/partvm.config
# shellcheck source=../scripts/lib/common.sh
source "$here/../scripts/lib/common.sh"

ensure_pkgs "$srcpkg" flex bison bc libelf-dev libssl-dev lz4 xz-utils make gcc libc6-dev binutils
[ -f "$tarball" ] || { log "$tarball missing although $srcpkg is installed"; exit 1; }
srcver=$(dpkg-query -W -f='${Version}' "$srcpkg")
key=$( { echo "$srcpkg $srcver"; cat "$fragment" "${BASH_SOURCE[0]}"; } | sha256sum | cut -c1-16)
out=$cache/guest-kernel/$key

# The options the fragment sets, as they must read in the merged .config: "CONFIG_X=y" (or a
# value) exactly, and "# CONFIG_X is not set" as anything but =y/=m. Prints each mismatch.
check_config() { # FRAGMENT CONFIG
  local line name bad=0
  while IFS= read -r line; do
    case $line in
      CONFIG_*=*)
        grep -qxF -- "$line" "$2" && continue
        name=${line%%=*}
        log "MISSING: $line (merged .config: $(grep -E "^$name=|^# $name is not set" "$2" || echo absent))"
        bad=1 ;;
      "# CONFIG_"*" is not set")
        name=${line#\# }
        name=${name% is not set}
        grep -qE "^$name=[ym]$" "$2" || continue
        log "UNWANTED: $(grep -E "^$name=" "$2") (the fragment turns it off)"
        bad=1 ;;
    esac
  done < "$1"
  return $bad
}

# Reads make's output; every 30 s logs how many build steps ran and the latest one, so CI
# logs show the build is alive (also during silent phases such as the final link).
progress() {
  local line n=0 last='' started=$SECONDS next=$((SECONDS + 30))
  while true; do
    if IFS= read -r -t 5 line; then
      case $line in "  "[A-Z]*) n=$((n + 1)); last=${line#"  "} ;; esac
    elif [ $? -le 128 ]; then
      break # EOF (a read timeout returns > 128)
    fi
    if [ "$SECONDS" -ge "$next" ]; then
      log "make: $n steps, $((SECONDS - started)) s; ${last//  / }"
      next=$((SECONDS + 30))
    fi
  done
  log "make: $n steps in $((SECONDS - started)) s"
}

# build TMP STAGE (for cached_build): the source tree in TMP; vmlinux, bzImage, config and
# System.map in STAGE.
# shellcheck disable=SC2317 # called through cached_build
build() {
  local tmp=$1 stage=$2 src=$1/$srcpkg started=$SECONDS
  log "building $out ($srcpkg $srcver)"
  log "unpacking $tarball ($srcver)"
  tar -xf "$tarball" -C "$tmp"
  export ARCH=x86_64 KBUILD_BUILD_USER=partvm KBUILD_BUILD_HOST=partvm
  # tinyconfig and merge_config.sh list every value they override: kept in a log, shown on error.
  if ! { make -C "$src" -s tinyconfig &&
    (cd "$src" && scripts/kconfig/merge_config.sh -m .config "$fragment") &&
    make -C "$src" -s olddefconfig; } > "$tmp/config.log" 2>&1; then
    cat "$tmp/config.log"
    log "configuring failed"
    return 1
  fi
  if ! check_config "$fragment" "$src/.config"; then
    log "the merged .config lacks options partvm.config asks for (a dependency is off?)"
    return 1
  fi
  log "configured; make -j$(nproc) bzImage (about 15 min on 2 cores)"
  if ! make -C "$src" -j"$(nproc)" bzImage 2>&1 | tee "$tmp/make.log" | progress; then
    tail -n 40 "$tmp/make.log"
    cp "$tmp/make.log" "$cache/guest-kernel/make-failed.log"
    log "make failed; full log: $cache/guest-kernel/make-failed.log"
    return 1
  fi
  # vmlinux is what bzImage compresses; its symbols serve no loader (System.map keeps them).
  strip --strip-all -o "$stage/vmlinux" "$src/vmlinux"
  cp "$src/arch/x86/boot/bzImage" "$stage/bzImage"
  cp "$src/.config" "$stage/config"
  cp "$src/System.map" "$stage/System.map"
  log "built in $((SECONDS - started)) s: bzImage $(du -h "$stage/bzImage" | cut -f1)," \
    "vmlinux $(du -h "$stage/vmlinux" | cut -f1) ($(make -C "$src" -s kernelrelease))"
  echo "$srcpkg $srcver" > "$stage/done"
}

cached_build "$out" build
echo "VMLINUX=$out/vmlinux"
echo "BZIMAGE=$out/bzImage"
