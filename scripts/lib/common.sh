# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers for partvm's scripts: progress lines, apt packages, the cache of the guest builds and
# the import of a build script's KEY=value output. Set log_prefix before the first log.

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

# cached_build OUT BUILD [ARG...]: makes the cache entry OUT = DIR/KEY (KEY: a hash of the build's
# inputs) once.
# - OUT holds a file done: built already. Nothing is locked or written (the cache may be
#   read-only, e.g. in the nested L1 VM).
# - Otherwise, holding DIR/.lock (concurrent callers wait for one build and reuse it), runs
#   BUILD ARG... TMP STAGE with its stdout on stderr. TMP is a new directory DIR/.tmp.XXXXXX,
#   removed afterwards, on failure too; STAGE is the empty TMP/out. BUILD leaves its outputs in
#   STAGE and writes STAGE/done (a line saying what it built) last; STAGE is then renamed to OUT.
#   Entries of other keys built over a day ago (outputs of older inputs) go.
# Call it as a plain command with set -e in force: BUILD relies on it. Sets the EXIT trap while it
# builds, and keeps the lock until the script exits.
cached_build() {
  local out=$1 dir=${1%/*} key=${1##*/} tmp
  shift
  [ -f "$out/done" ] && return 0
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
  [ -f "$out/done" ] && return 0 # another caller built it while we waited
  tmp=$(mktemp -d "$dir/.tmp.XXXXXX")
  # shellcheck disable=SC2064 # $tmp is local: expanded now
  trap "rm -rf $(printf %q "$tmp")" EXIT
  mkdir "$tmp/out"
  "$@" "$tmp" "$tmp/out" >&2
  [ -f "$tmp/out/done" ] || { log "$1 wrote no $tmp/out/done"; return 1; }
  rm -rf "$out" # without done: left by an interrupted build of an older script
  mv "$tmp/out" "$out"
  rm -rf "$tmp"
  trap - EXIT
  find "$dir" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' ! -name "$key" -mtime +0 -exec rm -rf {} +
}

# import_outputs KEY[=VAR]...: reads a build script's KEY=value lines on stdin and sets VAR (by
# default KEY itself) to the value of each KEY named; a later line wins. Other lines are ignored,
# and a VAR whose KEY never comes keeps its value. The build's exit status does not reach here:
# callers check the values they need.
#   import_outputs KERNEL INITRD=test_initrd < <(rootfs/test-guest/build.sh)
import_outputs() {
  local _key _value _spec
  while IFS='=' read -r _key _value; do
    for _spec in "$@"; do
      case $_spec in
        "$_key") printf -v "$_key" '%s' "$_value" ;;
        "$_key"=*) printf -v "${_spec#*=}" '%s' "$_value" ;;
      esac
    done
  done
}
