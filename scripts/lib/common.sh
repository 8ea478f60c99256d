# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for partvm's scripts: progress lines and apt packages. Set log_prefix before the first
# log.

# log MESSAGE...: one progress line on stderr, "$log_prefix: MESSAGE".
log() { echo "${log_prefix:?set log_prefix first}: $*" >&2; }

# apt-get runs as "${apt_as[@]}" apt-get: as it is (the build scripts run as root where they
# install anything), or through sudo where the script sets apt_as=(sudo) (scripts/setup.sh).
apt_as=()

# apt-get update at most once, and only when something is not found.
apt_updated=
apt_update_once() {
  [ -n "$apt_updated" ] && return 1
  apt_updated=1
  log "apt-get update"
  "${apt_as[@]}" apt-get -q update >&2
}

# ensure_pkgs [--recommends] PACKAGE...: apt-get install the PACKAGEs not installed yet, without
# their recommended packages unless --recommends; apt-get update only if the install fails.
ensure_pkgs() {
  local p missing=() options=(--no-install-recommends)
  if [ "${1:-}" = --recommends ]; then
    options=()
    shift
  fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing ${missing[*]}"
  "${apt_as[@]}" apt-get -qy install "${options[@]}" "${missing[@]}" >&2 ||
    { apt_update_once && "${apt_as[@]}" apt-get -qy install "${options[@]}" "${missing[@]}" >&2; }
}
