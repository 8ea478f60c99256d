#!/usr/bin/env bash
# Installs what partvm needs on Debian 12 (apt packages) and builds it.
#   scripts/setup.sh [PRESET...]   presets from CMakePresets.json; default: "default"
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
log_prefix=setup
# shellcheck source=lib/common.sh
source "$root/scripts/lib/common.sh"

packages=(
  # Toolchain and build.
  build-essential cmake ninja-build pkg-config git
  # Libraries (see README "Dependencies").
  libfmt-dev libseccomp-dev liburing-dev libtomlplusplus-dev doctest-dev libcli11-dev
  libbenchmark-dev nlohmann-json3-dev
  # Tests: ACPI table checks, fuzzing (clang's libFuzzer), the nested-KVM harness and guests.
  acpica-tools clang-16 libclang-rt-16-dev qemu-system-x86 busybox-static cpio kmod
  xz-utils zstd lz4 python3 strace
)

[ "$(id -u)" -eq 0 ] || apt_as=(sudo)
# With their recommended packages (git's ca-certificates, clang's llvm-16-dev), unlike the build
# scripts.
DEBIAN_FRONTEND=noninteractive ensure_pkgs --recommends "${packages[@]}"

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default)
for preset in "${presets[@]}"; do
  (cd "$root" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset")
done
