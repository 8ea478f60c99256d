# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# For the scripts that take Debian's kernel packages apart: resolve a kernel metapackage, download
# and unpack a .deb without installing it, and extract an ELF vmlinux from a bzImage. The sourcing
# script sources scripts/lib/common.sh (log, apt_update_once) first and sets $cache (the
# resolve_kernel memo goes there).

# Metapackage -> "<image package> <version>", from the local apt lists (works
# offline). apt-cache takes ~1 s here (far longer under TCG in L1), so the
# answer is memoised until /var/lib/apt/lists changes (apt-get update).
resolve_kernel() {
  local memo=$cache/.resolved-$1 stamp s p v
  stamp=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
  if [ -f "$memo" ] && read -r s p v < "$memo" && [ "$s" = "$stamp" ] && [ -n "$v" ]; then
    echo "$p $v"; return
  fi
  show() { apt-cache show --no-all-versions "$1" 2>/dev/null | awk '$1 == "Depends:" {print $2, $4; exit}' | tr -d ')'; }
  read -r p v < <(show "$1") || true
  [ -n "${v:-}" ] || { apt_update_once || true; read -r p v < <(show "$1") || true; }
  [ -n "${v:-}" ] || return 0
  stamp=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
  { mkdir -p "$cache" && echo "$stamp $p $v" > "$memo"; } 2>/dev/null || true # read-only cache: fine
  echo "$p $v"
}

# Download a .deb into $2 and unpack it there under k/ (never installed).
# The sandbox option silences apt's "_apt cannot write here" warning.
fetch_deb() {
  local dl=(apt-get -q -o APT::Sandbox::User=root download "$1")
  (cd "$2" && { "${dl[@]}" >&2 || { apt_update_once && "${dl[@]}" >&2; }; })
  dpkg-deb -x "$2"/*.deb "$2/k"
}

# Like the kernel's scripts/extract-vmlinux: find a compressed payload by its
# magic, decompress from there (trailing bytes make the tool complain; the
# output is still whole) and keep the first result that is an ELF file.
vmlinux() { # BZIMAGE OUT
  local magic tool off
  while read -r magic tool; do
    for off in $(LC_ALL=C grep -obUaP "$magic" "$1" | cut -d: -f1); do
      tail -c "+$((off + 1))" "$1" | $tool > "$2" 2>/dev/null || true
      [ "$(head -c 4 "$2" | od -An -c | tr -d ' ')" = '177ELF' ] && return 0
    done
  done <<'MAGIC'
\x02\x21\x4c\x18 lz4 -dc
\xfd7zXZ\x00 xz -dc
\x1f\x8b\x08 gzip -dc
\x28\xb5\x2f\xfd zstd -dcq
\x5d\x00\x00\x00 xz -dc --format=lzma
BZh bzip2 -dc
MAGIC
  rm -f "$2"
  return 1
}
