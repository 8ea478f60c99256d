#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What each boot-time choice of partvm's default guest is worth, one change at a time.

Each variant differs from the default in one thing (kernel format, initramfs, kernel log on the
UART); runs alternate across variants. `partvm run -- cat /proc/uptime` gives the wall time a user
waits and the guest's uptime when the command starts; the UART variants boot the test guest,
whose init reports its uptime on the console. Must run where /dev/kvm works (perf/boot/choices
uses tests/nested/kvm-run). Ratios only: see docs/perf-method.md.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import time

RESULT = re.compile(r"PARTVM-RESULT uptime=([0-9.]+)")


def timed(argv, parse_uptime):
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=300)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, parse_uptime(proc.stdout)


def run_uptime(out):
    return float(out.split()[0])


def init_uptime(out):
    return float(RESULT.search(out).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partvm", required=True)
    parser.add_argument("--vmlinux", required=True, help="partvm's kernel, ELF (the default)")
    parser.add_argument("--bzimage", required=True, help="the same kernel as a bzImage")
    parser.add_argument("--initrd", required=True, help="agent initramfs without modules")
    parser.add_argument("--initrd-modules", required=True, help="the same with the modules")
    parser.add_argument("--test-initrd", required=True, help="rootfs/test-guest initramfs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    run = [args.partvm, "run", "--no-jail", "--memory", "256M", "--vcpus", "2"]
    boot = [args.partvm, "boot", "--kernel", args.vmlinux, "--initrd", args.test_initrd,
            "--serial", "--memory", "256M", "--vcpus", "2", "--cmdline"]
    uptime = ["--", "cat", "/proc/uptime"]
    variants = {
        "default: ELF vmlinux, initramfs without modules": (
            run + ["--kernel", args.vmlinux, "--rootfs", args.initrd] + uptime, run_uptime),
        "bzImage (LZ4) instead of vmlinux": (
            run + ["--kernel", args.bzimage, "--rootfs", args.initrd] + uptime, run_uptime),
        "initramfs with Debian's modules (+2.4 MiB)": (
            run + ["--kernel", args.vmlinux, "--rootfs", args.initrd_modules] + uptime,
            run_uptime),
        "UART console, quiet (test guest)": (
            boot + ["console=ttyS0 quiet panic=-1"], init_uptime),
        "UART console, full kernel log (test guest)": (
            boot + ["console=ttyS0 panic=-1"], init_uptime),
    }
    samples = {name: {"wall": [], "uptime": []} for name in variants}
    for i in range(args.runs):
        for name, (argv, parse) in variants.items():
            wall, up = timed(argv, parse)
            samples[name]["wall"].append(wall)
            samples[name]["uptime"].append(up)
            print(f"run {i + 1} {name}: wall={wall:.2f} uptime={up:.2f}", flush=True)

    med = {name: {k: statistics.median(v) for k, v in s.items()} for name, s in samples.items()}
    with open(args.out, "w") as f:
        json.dump({"runs": args.runs, "samples": samples, "median": med}, f, indent=1)
    lines = ["### partvm's boot-time choices, one change at a time", "",
             f"{args.runs} runs per variant, alternating; nested KVM: compare within the table "
             "only. Wall: from the VMM's exec to its exit, guest shutdown included. `partvm run "
             "--no-jail -- cat /proc/uptime` (guest uptime when the command starts); the UART "
             "rows boot the test guest with `--serial`, which powers off after its result line "
             "(uptime at init).", "",
             "| variant | wall, median s | guest uptime, median s |", "|---|---|---|"]
    for name, m in med.items():
        lines.append(f"| {name} | {m['wall']:.2f} | {m['uptime']:.2f} |")
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
