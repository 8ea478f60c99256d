#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Boot time of partvm against QEMU (-accel kvm) on the same kernel, step by step.

Two guests. The test guest's init prints PARTVM-INIT as its first command, then a PARTVM-RESULT
line with the guest's /proc/uptime, on the serial console. The agent initramfs (--agent-initrd,
rootfs/build.sh) has partvm-agent as PID 1, which connects to host vsock port 10000 once it is
ready; agent_exec (perf/run) is the host end. For each VMM, medians of:

  VMM exec -> main()       partvm --stats: main_monotonic_ms minus our spawn time (one clock)
  main() -> first KVM_RUN  partvm --stats: first_kvm_run_ms, and its steps (phases_ms)
  wall to init             spawn to the PARTVM-INIT line (the kernel has started init)
  guest uptime at init     from the PARTVM-RESULT line (/proc mounted)
  wall to agent ready      spawn to accepting the agent's connection on the host
  init -> agent ready      in the guest: PID 1's start to the first command the host runs

and, from those medians, first KVM_RUN -> init. QEMU says nothing about
its own start-up, so for it only walls and guest uptime exist. Runs alternate A B A B; compare
ratios, never absolute figures. Must run where /dev/kvm works: perf/boot/run uses
tests/nested/kvm-run.
"""
import argparse
import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench import filesystem_type, summary  # noqa: E402
from qemu_peer import (MICROVM_SERIAL, VSOCK_DEVICE, VSOCK_MODULES,  # noqa: E402
                       qmp_exit_counts)

INIT = b"PARTVM-INIT"
RESULT = re.compile(rb"PARTVM-RESULT uptime=([0-9.]+) cpus=(\d+) hyperv=(\w+)")
AGENT_PORT = 10000  # agent/protocol/limits.h
# Peer name -> (binary, machine). qemu-system-x86_64-microvm is Debian's build of QEMU for microvm
# only (10 shared libraries against 51): it starts faster, so a fair user picks it where it boots
# the guest. It has no Hyper-V SynIC and no vhost-vsock.
QEMU_PEERS = {"microvm": ("qemu-system-x86_64", MICROVM_SERIAL),
              "microvm-build": ("qemu-system-x86_64-microvm", MICROVM_SERIAL),
              "pc": ("qemu-system-x86_64", "pc")}
STEP_LABELS = {"first_kvm_run": "vCPU threads to first KVM_RUN"}


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


def stop(proc):
    """The figure is taken; how the VM then ends is not what this measures. SIGTERM stops partvm
    (--shutdown-timeout 0) and QEMU at once."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


def traced_exec_to_first_run(argv, data, timeout):
    """One more boot to the test guest, under `perf record -a`: ms from the VMM's execve to the
    first entry into its guest, from the kernel's tracepoints, so QEMU's start-up is measured as
    partvm's is; None without perf. The guest powers off after its result line, ending the VMM."""
    if not shutil.which("perf"):
        return None
    events = ["-e", "sched:sched_process_exec", "-e", "kvm:kvm_entry"]
    try:
        subprocess.run(["perf", "record", "-q", "-a", "-o", data] + events
                       + ["--", "timeout", str(int(timeout))] + argv, stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout + 60)
        trace = subprocess.run(["perf", "script", "-i", data, "-F", "pid,time,event,trace"],
                               capture_output=True, text=True, timeout=300).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        if os.path.exists(data):
            os.unlink(data)
    vmm, started = None, None
    for line in trace.splitlines():
        fields = line.split()  # PID TIME: EVENT: filename=PATH pid=.. / vcpu N, rip ..
        if len(fields) < 4:
            continue
        pid, at, event = fields[0], float(fields[1].rstrip(":")), fields[2]
        if event == "sched:sched_process_exec:" and vmm is None and fields[3].startswith(
                "filename=") and os.path.basename(fields[3][9:]) == os.path.basename(argv[0]):
            vmm, started = pid, at
        elif event == "kvm:kvm_entry:" and pid == vmm:
            return (at - started) * 1000
    return None


def boot_to_init(argv, timeout, stats=None, guest_bytes=0):
    """Boots the test guest once. Returns {"start": monotonic s at spawn, "wall": s to the
    PARTVM-INIT line, "uptime": the guest's at init, "stats": partvm's --stats JSON or QEMU's
    {"exits": ...} (`stats` is ("partvm", json path) or ("qmp", socket path)), "rss_kib": with
    guest_bytes, the VMM's memory 1 s after init (hold the guest up with partvm.exit=hang)}."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL)
    boot = {"start": start, "wall": None, "uptime": None, "stats": None}
    buffer = b""
    init_seen = None
    os.set_blocking(proc.stdout.fileno(), False)
    while time.monotonic() - start < timeout:
        try:
            chunk = proc.stdout.read()
        except BlockingIOError:
            chunk = None
        if chunk:
            buffer += chunk
            if init_seen is None and INIT in buffer:
                init_seen = time.monotonic() - start
            match = RESULT.search(buffer)
            if match and init_seen is not None:
                boot["wall"] = init_seen
                boot["uptime"] = float(match.group(1))
                break
        elif proc.poll() is not None:
            break
        else:
            time.sleep(0.002)
    if boot["wall"] is not None and proc.poll() is None:
        if guest_bytes:
            time.sleep(1.0)  # Let the guest go idle.
            boot["rss_kib"] = vmm_rss_kib(proc.pid, guest_bytes)
        if stats and stats[0] == "qmp":
            try:
                boot["stats"] = {"exits": qmp_exit_counts(stats[1])}
            except (OSError, ValueError) as error:
                print(f"query-stats failed: {error}", flush=True)
    stop(proc)
    if stats and stats[0] == "partvm" and os.path.exists(stats[1]):
        with open(stats[1]) as f:
            boot["stats"] = json.load(f)  # Written at exit.
        os.unlink(stats[1])
    return boot


def boot_to_agent(argv, agent_exec, timeout):
    """Boots the agent initramfs once, agent_exec (perf/run) being the host end: it waits for the
    agent's connection and runs `cat /proc/1/stat /proc/uptime` in the guest. Returns (seconds from
    the VMM's exec to the agent's connection, guest seconds from PID 1's start to that command),
    or (None, None)."""
    client_start = time.monotonic()  # agent_exec's connected_ms counts from its start
    client = subprocess.Popen(agent_exec + ["--", "cat", "/proc/1/stat", "/proc/uptime"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    client.stdout.readline()  # "listening"
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        out, _ = client.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        client.kill()
        out = ""
    stop(proc)
    lines = out.splitlines()
    if client.wait() != 0 or len(lines) < 3:
        return None, None
    # /proc/1/stat: field 22 (starttime, in USER_HZ = 100 ticks since boot); fields 3.. follow
    # the ")" that ends the command name.
    init_started = int(lines[0].rsplit(")", 1)[1].split()[19]) / 100
    command_uptime = float(lines[1].split()[0])
    connected = client_start + json.loads(lines[-1])["connected_ms"] / 1000
    return connected - start, command_uptime - init_started


def record(sample, boot):
    """Adds one boot to the test guest to a VMM's samples (ms)."""
    if boot["wall"] is None:
        return
    sample["wall_to_init"].append(boot["wall"] * 1000)
    sample["uptime_at_init"].append(boot["uptime"] * 1000)
    stats = boot["stats"] or {}
    if "exits" in stats:
        sample["exits"].append(stats["exits"])
    if "main_monotonic_ms" in stats:
        sample["exec_to_main"].append(stats["main_monotonic_ms"] - boot["start"] * 1000)
    if stats.get("first_kvm_run_ms", -1) >= 0:
        sample["main_to_first_kvm_run"].append(stats["first_kvm_run_ms"])
        # phases_ms are instants since main(); a step is the time since the previous one.
        marks = list(stats.get("phases_ms", {}).items())
        previous = 0
        for step, at in marks + [("first_kvm_run", stats["first_kvm_run_ms"])]:
            sample["steps"].setdefault(step, []).append(at - previous)
            previous = at


def median(values):
    return statistics.median(values) if values else None


def breakdown(sample):
    """Medians (ms); the two differences are taken between medians."""
    exec_to_main = median(sample["exec_to_main"])
    main_to_run = median(sample["main_to_first_kvm_run"])
    init = median(sample["wall_to_init"])
    agent = median(sample["wall_to_agent"])
    return {
        "exec_to_main": exec_to_main,
        "main_to_first_kvm_run": main_to_run,
        "steps": {step: median(values) for step, values in sample["steps"].items()},
        "first_kvm_run_to_init": init - exec_to_main - main_to_run
        if None not in (init, exec_to_main, main_to_run) else None,
        "uptime_at_init": median(sample["uptime_at_init"]),
        "wall_to_init": init,
        "init_to_agent": median(sample["init_to_command"]),
        "wall_to_agent": agent,
        "exec_to_first_kvm_run_traced": median(sample["exec_to_first_run_traced"]),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partvm", required=True)
    parser.add_argument("--kernel", required=True, help="booted by every VMM")
    parser.add_argument("--bzimage", help="the same kernel as a bzImage: an extra partvm column")
    parser.add_argument("--initrd", required=True, help="the test guest's initramfs")
    parser.add_argument("--agent-initrd", help="the agent initramfs: measures agent ready")
    parser.add_argument("--agent-exec", help="perf/run's agent_exec, the agent's host end")
    parser.add_argument("--label", default="cloud")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--vcpus", type=int, default=2)
    parser.add_argument("--memory-mib", type=int, default=256, help="default: partvm run's")
    parser.add_argument("--timeout", type=float, default=240)
    parser.add_argument("--out", required=True, help="JSON results file")
    parser.add_argument("--machines", default="microvm,microvm-build,pc",
                        help="QEMU peers to include: " + ",".join(QEMU_PEERS))
    parser.add_argument("--cmdline", default="console=ttyS0 quiet panic=-1")
    parser.add_argument("--agent-cmdline", default="panic=-1 quiet")
    parser.add_argument("--no-qemu-agent", metavar="REASON", default="",
                        help="QEMU cannot serve the agent with this kernel: why")
    parser.add_argument("--qemu-cpu", default="host",
                        help="QEMU -cpu: add Hyper-V enlightenments (hv-time, hv-frequencies, ...) "
                        "for a kernel whose only paravirtual clock is Hyper-V's")
    parser.add_argument("--stage", metavar="DIR",
                        help="copy partvm, the kernels and initramfs under DIR first and boot "
                        "from the copies (in L1: its own tmpfs /tmp rather than a 9p share)")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="partvm-boot-bench-", dir=args.stage)
    files = ("partvm", "kernel", "bzimage", "initrd", "agent_initrd", "agent_exec")
    sources = {key: getattr(args, key) for key in files if getattr(args, key)}
    if args.stage:
        for key, path in sources.items():
            os.mkdir(os.path.join(work, key))  # One directory each: names repeat (initrd.img).
            setattr(args, key, shutil.copy2(path, os.path.join(work, key)))
    mem = f"{args.memory_mib}M"

    def partvm(kernel):
        return lambda initrd, cmdline: [
            args.partvm, "boot", "--kernel", kernel, "--initrd", initrd, "--serial",
            "--vcpus", str(args.vcpus), "--memory", mem, "--shutdown-timeout", "0",
            "--cmdline", cmdline]

    def qemu(peer):
        binary, machine = QEMU_PEERS[peer]
        cpu = args.qemu_cpu
        if peer == "microvm-build":  # No SynIC in that build; the guest has no VMBus under QEMU.
            cpu = ",".join(flag for flag in cpu.split(",") if flag != "hv-synic")
        return lambda initrd, cmdline: [
            binary, "-accel", "kvm", "-cpu", cpu,
            "-M", machine, "-smp", str(args.vcpus), "-m", mem, "-nodefaults",
            "-no-user-config", "-nographic", "-serial", "stdio", "-kernel", args.kernel,
            "-initrd", initrd, "-append", cmdline, "-no-reboot"]

    # Each peer makes its command line from an initramfs and a kernel command line.
    peers = {"partvm": partvm(args.kernel)}
    if args.bzimage:
        peers["partvm (bzImage)"] = partvm(args.bzimage)
    for peer in QEMU_PEERS:
        if peer in args.machines.split(","):
            peers[f"qemu-{peer}"] = qemu(peer)

    # The agent boot of each peer: (argv, Unix socket the agent's connection arrives on, None for
    # AF_VSOCK), or why there is none.
    vsock = os.path.join(work, "vsock")
    agent_boots, not_available = {}, {}
    for name, argv in peers.items():
        if not args.agent_initrd:
            break
        if name.startswith("partvm"):
            agent_boots[name] = (argv(args.agent_initrd, args.agent_cmdline)
                                 + ["--vsock", vsock], f"{vsock}_{AGENT_PORT}")
        elif name == "qemu-microvm-build":
            not_available[name] = "agent ready: n/a, Debian's microvm build has no vhost-vsock"
        elif name != "qemu-microvm":
            not_available[name] = ("agent ready: not measured, QEMU serves the agent here as "
                                   "perf/run does, over microvm's virtio-mmio")
        elif args.no_qemu_agent:
            not_available[name] = f"agent ready: n/a, {args.no_qemu_agent}"
        else:
            agent_boots[name] = (argv(args.agent_initrd, f"{args.agent_cmdline} "
                                      f"{VSOCK_MODULES}") + VSOCK_DEVICE, None)

    # Each VMM first boots once with the guest held up after init (partvm.exit=hang): its memory
    # then, and no timed run starts with a cold page cache (QEMU's files are on L1's 9p root).
    memory = {}
    for name, argv in peers.items():
        boot = boot_to_init(argv(args.initrd, args.cmdline + " partvm.exit=hang"), args.timeout,
                            guest_bytes=args.memory_mib << 20)
        memory[name] = boot.get("rss_kib")
        print(f"memory {name}: {memory[name]} KiB outside guest RAM", flush=True)

    samples = {name: {"exec_to_main": [], "main_to_first_kvm_run": [], "steps": {},
                      "wall_to_init": [], "uptime_at_init": [], "wall_to_agent": [],
                      "init_to_command": [], "exits": [], "exec_to_first_run_traced": []}
               for name in peers}
    for run in range(args.runs):
        for name, argv in peers.items():
            if name.startswith("partvm"):
                stats = ("partvm", os.path.join(work, "stats.json"))
                extra = ["--stats", stats[1]]
            else:
                stats = ("qmp", os.path.join(work, "qmp.sock"))
                extra = ["-qmp", f"unix:{stats[1]},server=on,wait=off"]
            boot = boot_to_init(argv(args.initrd, args.cmdline) + extra, args.timeout, stats)
            record(samples[name], boot)
            print(f"run {run + 1} {name}: wall={boot['wall']} uptime={boot['uptime']}", flush=True)
        for name, (argv, unix_path) in agent_boots.items():
            if os.path.exists(vsock):
                os.unlink(vsock)  # partvm refuses a --vsock path in use.
            end = ["--unix", unix_path] if unix_path else ["--vsock-port", str(AGENT_PORT)]
            ready, init_to_command = boot_to_agent(argv, [args.agent_exec] + end, args.timeout)
            if unix_path and os.path.exists(unix_path):
                os.unlink(unix_path)  # agent_exec removes it itself when it gets that far.
            if ready is not None:
                samples[name]["wall_to_agent"].append(ready * 1000)
                samples[name]["init_to_command"].append(init_to_command * 1000)
            print(f"run {run + 1} {name}: agent ready={ready}", flush=True)

    # Separate boots under perf: tracing costs time, so none of the figures above is traced.
    for run in range(min(args.runs, 3)):
        for name, argv in peers.items():
            traced = traced_exec_to_first_run(argv(args.initrd, args.cmdline),
                                              os.path.join(work, "perf.data"), args.timeout)
            if traced is not None:
                samples[name]["exec_to_first_run_traced"].append(traced)
            print(f"traced {run + 1} {name}: exec to first KVM_RUN={traced}", flush=True)

    # The ratio is taken to the fastest QEMU, by median wall to init.
    walls = {name: median(samples[name]["wall_to_init"]) for name in peers
             if name.startswith("qemu") and samples[name]["wall_to_init"]}
    reference = min(walls, key=walls.get) if walls else None
    result = {
        "label": args.label, "kernel": os.path.basename(args.kernel),
        "vcpus": args.vcpus, "memory_mib": args.memory_mib, "runs": args.runs,
        "cmdline": args.cmdline, "agent_cmdline": args.agent_cmdline, "sources": sources,
        "staged_in": {"dir": work, "filesystem": filesystem_type(work)} if args.stage else None,
        "commands": {name: argv(args.initrd, args.cmdline) for name, argv in peers.items()},
        "agent_commands": {name: argv for name, (argv, _) in agent_boots.items()},
        "not_available": not_available,
        "breakdown_ms": {name: breakdown(sample) for name, sample in samples.items()},
        "summary_ms": {name: {key: summary(values) for key, values in sample.items()
                              if key not in ("steps", "exits")}
                       for name, sample in samples.items()},
        "wall_to_init_ratio_to": reference,
        "exits_median": {name: {k: statistics.median(e.get(k, 0) for e in s["exits"])
                                for k in sorted(set().union(*s["exits"]))} if s["exits"] else None
                         for name, s in samples.items()},
        "vmm_rss_kib": memory,
        "samples_ms": samples,
    }
    with open(args.out, "w") as out:
        json.dump(result, out, indent=2)
    with open(os.path.splitext(args.out)[0] + ".md", "w") as out:
        out.write(markdown(result))
    print(markdown(result))
    shutil.rmtree(work)


def ms(value):
    return "n/a" if value is None else f"{value:.1f}"


def markdown(result):
    breakdowns = result["breakdown_ms"]
    names = list(breakdowns)
    steps = next((b["steps"] for b in breakdowns.values() if b["steps"]), {})
    reference = breakdowns.get(result["wall_to_init_ratio_to"] or "", {}).get("wall_to_init")

    def row(label, cell):
        return f"| {label} | " + " | ".join(cell(breakdowns[name], name) for name in names) + " |"

    lines = [f"### Boot breakdown: {result['label']} kernel `{result['kernel']}`", "",
             f"{result['vcpus']} vCPUs, {result['memory_mib']} MiB, {result['runs']} runs per VMM "
             "alternating, nested KVM (L2 under L1's KVM under QEMU TCG): compare ratios only. "
             "Each VMM booted once before the timed runs (its memory is measured then).", ""]
    staged = result.get("staged_in")
    if staged:
        lines += [f"The partvm binary, the kernels and the initramfs were copied to "
                  f"`{staged['dir']}` ({staged['filesystem']}) before measuring, and both VMMs "
                  "booted them from there: the 9p shares they are built on cache differently "
                  "from L1's root, where qemu-system-x86_64 and its libraries are, which would "
                  "skew VMM start-up.", ""]
    lines += ["breakdown, medians (ms):", "",
              "| step | " + " | ".join(names) + " |", "|---|" + "---|" * len(names),
              row("VMM exec → first KVM_RUN (perf trace of exec and kvm_entry, separate boots)",
                  lambda b, _: ms(b.get("exec_to_first_kvm_run_traced"))),
              row("VMM exec → main()", lambda b, _: ms(b["exec_to_main"])),
              row("main() → first KVM_RUN", lambda b, _: ms(b["main_to_first_kvm_run"]))]
    for step in steps:
        label = STEP_LABELS.get(step, step.replace("_", " "))
        lines.append(row(f"  ↳ {label}", lambda b, _, s=step: ms(b["steps"].get(s))))
    lines += [
        row("first KVM_RUN → init (wall to init minus the two above)",
            lambda b, _: ms(b["first_kvm_run_to_init"])),
        row("guest uptime at init", lambda b, _: ms(b["uptime_at_init"])),
        row("wall to init (VMM exec → PARTVM-INIT, init's first line)",
            lambda b, _: ms(b["wall_to_init"])),
        row(f"wall to init, ratio to {result['wall_to_init_ratio_to']}",
            lambda b, _: f"{b['wall_to_init'] / reference:.2f}"
            if b["wall_to_init"] and reference else "n/a"),
        row("init → agent ready (agent boot: PID 1's start to its first command, guest clock)",
            lambda b, _: ms(b["init_to_agent"])),
        row("wall to agent ready (VMM exec → agent's connection accepted)",
            lambda b, _: ms(b["wall_to_agent"])),
        row("boots counted: init, agent", lambda _, name: "{}, {}".format(
            *(result["summary_ms"][name][k]["n"] if result["summary_ms"][name][k] else 0
              for k in ("wall_to_init", "wall_to_agent")))),
        row("VMM RSS excl. guest RAM, idle after init (MiB)", lambda _, name: ms(
            result["vmm_rss_kib"][name] / 1024 if result["vmm_rss_kib"].get(name) else None)),
        ""]
    if any(name.startswith("qemu") for name in names):
        lines.append("- QEMU reports no start-up times: its exec → first KVM_RUN comes only from "
                     "the traced boots (up to 3 per VMM, after the timed ones), its other steps "
                     "are n/a. Its first KVM_RUN enters microvm's firmware (qboot), partvm's the "
                     "kernel.")
        lines.append(f"- Ratios are to the fastest QEMU here, {result['wall_to_init_ratio_to']}.")
    if "qemu-microvm-build" in names:
        synic = any("hv-synic" in part for part in result["commands"].get("qemu-microvm", []))
        lines.append("- qemu-microvm-build is Debian's qemu-system-x86_64-microvm, QEMU built for "
                     "microvm only" + ("; it has no SynIC, so its -cpu drops hv-synic." if synic
                                       else "."))
    for name, reason in result["not_available"].items():
        lines.append(f"- {name}: {reason}.")
    lines.append("- init → agent ready: in the agent boot, the host end (perf/run's agent_exec) "
                 "runs `cat /proc/1/stat /proc/uptime` as soon as the agent connects: the guest's "
                 "uptime then minus PID 1's start time (10 ms ticks); it includes one exec round "
                 "trip.")
    lines.append("- Agent ready: partvm forwards the agent's hv_sock connection to host port "
                 f"{AGENT_PORT} to the Unix socket `--vsock` PATH_{AGENT_PORT}, listened on here; "
                 f"QEMU: {' '.join(VSOCK_DEVICE)}, listened on with AF_VSOCK port {AGENT_PORT}.")
    lines.append("")

    exits = {n: e for n, e in result.get("exits_median", {}).items() if e}
    if exits:
        counters = sorted(set().union(*exits.values()),
                          key=lambda k: -max(e.get(k, 0) for e in exits.values()))
        lines += ["KVM exits from start to the result line (KVM binary stats; QEMU through "
                  "query-stats), medians, all vCPUs:", "",
                  "| counter | " + " | ".join(exits) + " |",
                  "|---|" + "---|" * len(exits)]
        for k in counters:
            if any(e.get(k, 0) for e in exits.values()):
                lines.append(f"| {k} | " + " | ".join(f"{e.get(k, 0):.0f}" for e in exits.values())
                             + " |")
        lines.append("")
    for name, argv in result["commands"].items():
        lines.append(f"- `{name}`: `{shlex.join(argv)}`")
    for name, argv in result["agent_commands"].items():
        lines.append(f"- `{name}`, agent: `{shlex.join(argv)}`")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
