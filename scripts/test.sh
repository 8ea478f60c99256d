#!/usr/bin/env bash
# Every test, from a fresh Debian 12 machine: install, build three ways, run.
#   1. ci preset (-Werror): unit tests, bad-input tests, guest boots under KVM (nested if needed)
#   2. asan preset: unit tests under ASan+UBSan
#   3. fuzz preset (clang-16 libFuzzer): each fuzz target for 10 s
# Ends with one "N passed, N failed" line over all three.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CTEST_OUTPUT_ON_FAILURE=1

passed=0
failed=0
run_ctest() { # run_ctest BUILD_DIR [ctest args]
    local log
    log=$(mktemp)
    ctest --test-dir "$@" 2>&1 | tee "$log"
    # ctest's summary: "NN% tests passed, F tests failed out of T".
    local line total fails
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
    if [ -z "$line" ]; then
        failed=$((failed + 1)) # ctest itself did not run.
    else
        fails=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
        total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
        passed=$((passed + total - fails))
        failed=$((failed + fails))
    fi
    rm -f "$log"
}

scripts/setup.sh ci asan fuzz || { echo "0 passed, 1 failed"; exit 1; }
# The guests up front, built or found in ~/.cache/partvm: a cold build of partvm's guest kernel
# takes 15-30 minutes on 2 cores, which is no single test's business (or timeout).
if ! { cmake --build build --target partvm-images >/dev/null && rootfs/test-guest/build.sh >/dev/null; }; then
    echo "test: building the guest images failed" >&2
    failed=$((failed + 1))
fi
run_ctest build
run_ctest build-asan -L unit
run_ctest build-fuzz -L fuzz

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
