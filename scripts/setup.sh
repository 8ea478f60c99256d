#!/usr/bin/env bash
# Installs what partvm needs on Debian 12 (apt packages) and builds it.
#   scripts/setup.sh [PRESET...]   presets from CMakePresets.json; default: "default"
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

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

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}" >&2
fi

presets=("$@")
[ ${#presets[@]} -gt 0 ] || presets=(default)
for preset in "${presets[@]}"; do
    (cd "$root" && cmake --preset "$preset" >/dev/null && cmake --build --preset "$preset")
done
