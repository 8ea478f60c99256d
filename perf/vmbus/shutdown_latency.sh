#!/usr/bin/env bash
# Time from SIGTERM to partvm's exit when the guest shuts itself down through the Hyper-V
# shutdown service (hv_utils -> orderly_poweroff -> ACPI S5), N runs. Needs /dev/kvm (run it
# through tests/nested/kvm-run where there is none). Usage: shutdown_latency.sh PARTVM KERNEL INITRD [N]
set -euo pipefail
partvm=$1 kernel=$2 initrd=$3 runs=${4:-5}
for i in $(seq "$runs"); do
    out=$PWD/.shutdown-latency.$$.out # cwd: writable in the nested harness too
    "$partvm" boot --kernel "$kernel" --initrd "$initrd" --serial --memory 512M \
        --cmdline "console=ttyS0 quiet panic=-1 partvm.modules=hv_vmbus,hv_utils partvm.vmbus=report partvm.exit=hang" \
        >"$out" 2>&1 &
    pid=$!
    until grep -q PARTVM-VMBUS "$out"; do
        kill -0 "$pid" 2>/dev/null || { cat "$out"; exit 1; }
        sleep 0.05
    done
    start=$(date +%s.%N)
    kill -TERM "$pid"
    status=0
    wait "$pid" || status=$?
    end=$(date +%s.%N)
    awk -v i="$i" -v s="$status" -v a="$start" -v b="$end" \
        'BEGIN { printf "run %d: exit %d, %.3f s from SIGTERM to exit\n", i, s, b - a }'
    rm -f "$out"
done
