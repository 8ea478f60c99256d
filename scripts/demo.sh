#!/usr/bin/env bash
# The main job, from a fresh Debian 12 machine: build everything (scripts/partvm), boot a fresh
# microVM, run a command in it, stream its output and exit with its status.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
exec "$root/scripts/partvm" run -- sh -c 'echo "hello from $(uname -sr) on $(nproc) vCPUs"; cat /proc/cmdline'
