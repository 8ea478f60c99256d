#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot-to-init time of partvm against QEMU (-accel kvm) on the same kernel and initramfs.

Both VMMs boot the test guest, whose init prints one PARTVM-RESULT line on the serial console.
Wall time runs from the exec of the VMM to that line's arrival; the guest's own /proc/uptime
comes from the line. Runs alternate A B A B; medians and min-max are reported, never absolute
claims (see shared/design/perf-method.md). Must run where /dev/kvm works: perf/boot/run uses
tests/nested/kvm-run.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import time

RESULT = re.compile(rb"PARTVM-RESULT uptime=([0-9.]+) cpus=(\d+) hyperv=(\w+)")


def vmm_rss_kib(pid, guest_bytes):
    """Total Rss minus the guest-RAM mapping's Rss: the VMM's own memory."""
    total = guest = 0
    current_size = 0
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:
                start, end = (int(x, 16) for x in fields[0].split("-"))
                current_size = end - start
            elif fields[0] == "Rss:":
                kib = int(fields[1])
                total += kib
                # The guest-RAM mapping is the one exactly as large as the guest's memory.
                if current_size == guest_bytes:
                    guest += kib
    return total - guest


def boot_once(argv, timeout, measure_memory=False, guest_bytes=0):
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    buffer = b""
    wall = uptime = rss = None
    os.set_blocking(proc.stdout.fileno(), False)
    while time.monotonic() - start < timeout:
        try:
            chunk = proc.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            buffer += chunk
            match = RESULT.search(buffer)
            if match and wall is None:
                wall = time.monotonic() - start
                uptime = float(match.group(1))
                if measure_memory:
                    time.sleep(1.0)  # Let the guest go idle.
                    rss = vmm_rss_kib(proc.pid, guest_bytes)
                break
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.002)
    # The figure is taken; how the VM then ends is not what this measures.
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    return wall, uptime, rss


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partvm", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--label", default="cloud")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vcpus", type=int, default=2)
    parser.add_argument("--memory-mib", type=int, default=512)
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--out", required=True, help="JSON results file")
    args = parser.parse_args()

    cmdline = "console=ttyS0 quiet panic=-1"
    mem = f"{args.memory_mib}M"
    peers = {
        "partvm": [args.partvm, "boot", "--kernel", args.kernel, "--initrd", args.initrd,
                   "--serial", "--vcpus", str(args.vcpus), "--memory", mem,
                   "--cmdline", cmdline],
        # QEMU tuned as a careful user would: no defaults, no user config, no option ROMs, no
        # legacy PIT/PIC, host CPU, same vCPUs/memory/kernel/initramfs/command line.
        "qemu-microvm": ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host",
                         "-M", "microvm,x-option-roms=off,pit=off,pic=off,isa-serial=on,rtc=on",
                         "-smp", str(args.vcpus), "-m", mem, "-nodefaults", "-no-user-config",
                         "-nographic", "-serial", "stdio", "-kernel", args.kernel,
                         "-initrd", args.initrd, "-append", cmdline, "-no-reboot"],
        "qemu-pc": ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-M", "pc",
                    "-smp", str(args.vcpus), "-m", mem, "-nodefaults", "-no-user-config",
                    "-nographic", "-serial", "stdio", "-kernel", args.kernel,
                    "-initrd", args.initrd, "-append", cmdline, "-no-reboot"],
    }
    samples = {name: {"wall": [], "uptime": []} for name in peers}
    for run in range(args.runs):
        for name, argv in peers.items():
            wall, uptime, _ = boot_once(argv, args.timeout)
            samples[name]["wall"].append(wall)
            samples[name]["uptime"].append(uptime)
            print(f"run {run + 1} {name}: wall={wall} uptime={uptime}", flush=True)

    # VMM memory with the guest idle after boot; the guest is held up by partvm.exit=hang.
    memory = {}
    hold = cmdline + " partvm.exit=hang"
    for name, argv in peers.items():
        held = [a if a != cmdline else hold for a in argv]
        _, _, rss = boot_once(held, args.timeout, True, args.memory_mib << 20)
        memory[name] = rss
        print(f"memory {name}: {rss} KiB outside guest RAM", flush=True)

    result = {"label": args.label, "kernel": os.path.basename(args.kernel),
              "vcpus": args.vcpus, "memory_mib": args.memory_mib, "runs": args.runs,
              "cmdline": cmdline, "commands": peers,
              "wall_s": {n: summary(s["wall"]) for n, s in samples.items()},
              "guest_uptime_s": {n: summary(s["uptime"]) for n, s in samples.items()},
              "vmm_rss_kib": memory}
    with open(args.out, "w") as out:
        json.dump(result, out, indent=2)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as out:
        out.write(markdown(result))
    print(markdown(result))


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "n/a"


def markdown(result):
    lines = [f"### Boot to init: {result['label']} kernel `{result['kernel']}`", "",
             f"{result['vcpus']} vCPUs, {result['memory_mib']} MiB, {result['runs']} runs per VMM "
             "alternating, nested KVM (L2 under L1's KVM under QEMU TCG): compare ratios only.", "",
             "| VMM | wall to init line, median (min-max) s | guest uptime at init, median s "
             "| wall ratio partvm/peer | VMM RSS excl. guest RAM |",
             "|---|---|---|---|---|"]
    base = result["wall_s"].get("partvm")
    for name, wall in result["wall_s"].items():
        up = result["guest_uptime_s"][name]
        rss = result["vmm_rss_kib"].get(name)
        lines.append(
            f"| {name} | "
            + (f"{wall['median']:.2f} ({wall['min']:.2f}-{wall['max']:.2f}), n={wall['n']}"
               if wall else "failed")
            + " | " + (f"{up['median']:.2f}" if up else "n/a")
            + " | " + (ratio(base["median"], wall["median"]) if base and wall else "n/a")
            + " | " + (f"{rss / 1024:.1f} MiB" if rss else "n/a") + " |")
    lines.append("")
    for name, argv in result["commands"].items():
        lines.append(f"- `{name}`: `{' '.join(argv)}`")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
