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
import signal
import socket
import statistics
import subprocess
import tempfile
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


def qmp_exit_counts(path):
    """QEMU's KVM vCPU counters (query-stats, the same binary stats fd), summed over vCPUs."""
    with socket.socket(socket.AF_UNIX) as qmp:
        qmp.settimeout(10)
        qmp.connect(path)
        reader = qmp.makefile("rb")
        reader.readline()  # greeting
        for command in ({"execute": "qmp_capabilities"},
                        {"execute": "query-stats", "arguments": {"target": "vcpu"}}):
            qmp.sendall(json.dumps(command).encode() + b"\n")
            while True:
                reply = json.loads(reader.readline())
                if "return" in reply or "error" in reply:
                    break
        totals = {}
        for block in reply.get("return", []):  # One per vCPU and provider.
            for stat in block.get("stats", []):
                value = stat.get("value")
                if isinstance(value, int) and not isinstance(value, bool) \
                        and is_exit_counter(stat["name"]):
                    totals[stat["name"]] = totals.get(stat["name"], 0) + value
        return totals


def is_exit_counter(name):
    return name == "exits" or name.endswith("_exits") or name in ("hypercalls", "insn_emulation")


def boot_once(argv, timeout, measure_memory=False, guest_bytes=0, stats=None):
    """Boots once; `stats` is ("partvm", json_path) or ("qmp", socket_path) to collect the
    first-KVM_RUN time and exit counts (partvm writes them when SIGTERM stops it)."""
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
    counters = None
    if stats and stats[0] == "qmp" and wall is not None and proc.poll() is None:
        try:
            counters = {"exits": qmp_exit_counts(stats[1])}
        except (OSError, ValueError) as error:
            print(f"query-stats failed: {error}", flush=True)
    # The figure is taken; how the VM then ends is not what this measures.
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)  # partvm --shutdown-timeout 0 stops at once
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()
    if stats and stats[0] == "partvm" and os.path.exists(stats[1]):
        with open(stats[1]) as f:
            counters = json.load(f)
        os.unlink(stats[1])
    return wall, uptime, rss, counters


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
    parser.add_argument("--machines", default="", help="QEMU machine types to include (microvm,pc)")
    parser.add_argument("--cmdline", default="console=ttyS0 quiet panic=-1")
    args = parser.parse_args()

    cmdline = args.cmdline
    mem = f"{args.memory_mib}M"
    peers = {
        "partvm": [args.partvm, "boot", "--kernel", args.kernel, "--initrd", args.initrd,
                   "--serial", "--vcpus", str(args.vcpus), "--memory", mem,
                   "--shutdown-timeout", "0", "--cmdline", cmdline],
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
    if args.machines:
        peers = {name: argv for name, argv in peers.items()
                 if name == "partvm" or name.split("-", 1)[1] in args.machines.split(",")}
    work = tempfile.mkdtemp(prefix="partvm-boot-bench-")
    samples = {name: {"wall": [], "uptime": [], "first_kvm_run_ms": []} for name in peers}
    exits = {name: [] for name in peers}
    for run in range(args.runs):
        for name, argv in peers.items():
            if name == "partvm":
                stats = ("partvm", os.path.join(work, "stats.json"))
                argv = argv + ["--stats", stats[1]]
            else:
                stats = ("qmp", os.path.join(work, "qmp.sock"))
                argv = argv + ["-qmp", f"unix:{stats[1]},server=on,wait=off"]
            wall, uptime, _, counters = boot_once(argv, args.timeout, stats=stats)
            samples[name]["wall"].append(wall)
            samples[name]["uptime"].append(uptime)
            if counters:
                exits[name].append(counters.get("exits", {}))
                if "first_kvm_run_ms" in counters:
                    samples[name]["first_kvm_run_ms"].append(counters["first_kvm_run_ms"] / 1000)
            print(f"run {run + 1} {name}: wall={wall} uptime={uptime} "
                  f"exits={counters.get('exits', {}).get('exits') if counters else None}",
                  flush=True)

    # VMM memory with the guest idle after boot; the guest is held up by partvm.exit=hang.
    memory = {}
    hold = cmdline + " partvm.exit=hang"
    for name, argv in peers.items():
        held = [a if a != cmdline else hold for a in argv]
        _, _, rss, _ = boot_once(held, args.timeout, True, args.memory_mib << 20)
        memory[name] = rss
        print(f"memory {name}: {rss} KiB outside guest RAM", flush=True)

    result = {"label": args.label, "kernel": os.path.basename(args.kernel),
              "vcpus": args.vcpus, "memory_mib": args.memory_mib, "runs": args.runs,
              "cmdline": cmdline, "commands": peers,
              "wall_s": {n: summary(s["wall"]) for n, s in samples.items()},
              "guest_uptime_s": {n: summary(s["uptime"]) for n, s in samples.items()},
              "vmm_to_first_kvm_run_s": {n: summary(s["first_kvm_run_ms"])
                                         for n, s in samples.items()},
              "exits_median": {n: {k: statistics.median(e.get(k, 0) for e in runs)
                                   for k in sorted(set().union(*runs))} if runs else None
                               for n, runs in exits.items()},
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
    first = result.get("vmm_to_first_kvm_run_s", {}).get("partvm")
    if first:
        lines.append(f"partvm, VMM start (main) to vCPU 0's first KVM_RUN: median "
                     f"{first['median'] * 1000:.1f} ms (min {first['min'] * 1000:.1f}, "
                     f"max {first['max'] * 1000:.1f}).")
        lines.append("")
    exits = {n: e for n, e in result.get("exits_median", {}).items() if e}
    if exits:
        names = sorted(set().union(*exits.values()),
                       key=lambda k: -max(e.get(k, 0) for e in exits.values()))
        lines += ["KVM exits from start to the init line (KVM binary stats; QEMU through "
                  "query-stats), medians, all vCPUs:", "",
                  "| counter | " + " | ".join(exits) + " |",
                  "|---|" + "---|" * len(exits)]
        for k in names:
            if any(e.get(k, 0) for e in exits.values()):
                lines.append(f"| {k} | " + " | ".join(f"{e.get(k, 0):.0f}" for e in exits.values())
                             + " |")
        lines.append("")
    for name, argv in result["commands"].items():
        lines.append(f"- `{name}`: `{' '.join(argv)}`")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
