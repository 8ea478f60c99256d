#!/usr/bin/env python3
"""End-to-end `partvm run -- true` and exec round trips, partvm against QEMU, in one KVM host.

Peers run the same kernel, the same agent initramfs and the same host-side agent client
(agent_exec): partvm serves the agent over hv_sock (its --vsock Unix socket), QEMU over
vhost-vsock on -M microvm, tuned as a careful user would (no defaults, no option ROMs, no
PIT/PIC, host CPU). Runs alternate between peers. Writes JSON and a Markdown table."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench import with_agent_exec  # noqa: E402
from qemu_peer import MICROVM, VSOCK_DEVICE, VSOCK_MODULES  # noqa: E402


def timed(argv, timeout):
    start = time.monotonic()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    return time.monotonic() - start, proc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partvm", required=True)
    parser.add_argument("--agent-exec", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True)
    parser.add_argument("--own-kernel", help="partvm's own kernel (its default), for one more "
                        "partvm row; QEMU cannot boot it with vsock (no virtio drivers)")
    parser.add_argument("--own-initrd")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--execs", type=int, default=20)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    timeout = 300
    work = tempfile.mkdtemp(prefix="partvm-run-bench-")  # Not the 9p cwd: no sockets there.
    sock = os.path.join(work, "vm.sock")
    common = ["--kernel", args.kernel, "--initrd", args.initrd, "--memory", "256M",
              "--vcpus", "2"]
    qemu = ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host",
            "-M", MICROVM, "-smp", "2", "-m", "256M",
            "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-kernel", args.kernel, "-initrd", args.initrd,
            "-append", f"panic=-1 quiet {VSOCK_MODULES}", *VSOCK_DEVICE]
    # The fence's cost: partvm run as root is jailed and filtered; --no-jail keeps the filters;
    # --no-seccomp drops those too (the warning goes to stderr, which timed() swallows).
    stock = [args.kernel, args.initrd]
    variants = {"partvm run -- true": ([], stock),
                "partvm run --no-jail -- true": (["--no-jail"], stock),
                "partvm run --no-jail --no-seccomp -- true": (["--no-jail", "--no-seccomp"], stock)}
    if args.own_kernel:
        variants["partvm run -- true, partvm's own kernel"] = ([], [args.own_kernel,
                                                                   args.own_initrd])
    samples = {**{name: [] for name in variants}, "qemu-microvm run true": [],
               "partvm exec round trip": [], "qemu-microvm exec round trip": []}
    for run in range(args.runs):
        for name, (flags, (kernel, initrd)) in variants.items():
            wall, proc = timed([args.partvm, "run", *flags, "--kernel", kernel, "--rootfs",
                                initrd, "--memory", "256M", "--vcpus", "2", "--", "true"],
                               timeout)
            assert proc.returncode == 0, proc.stderr.decode()[-2000:]
            samples[name].append(wall)
        wall, _, _ = with_agent_exec(qemu, [args.agent_exec, "--vsock-port", "10000", "--",
                                            "true"], timeout)
        samples["qemu-microvm run true"].append(wall)
        _, _, result = with_agent_exec([args.partvm, "boot", *common, "--vsock", sock],
                                       [args.agent_exec, "--unix", sock + "_10000", "--execs",
                                        str(args.execs), "--", "true"], timeout)
        samples["partvm exec round trip"].extend(ms / 1000 for ms in result["exec_ms"][1:])
        _, _, result = with_agent_exec(qemu, [args.agent_exec, "--vsock-port", "10000",
                                              "--execs", str(args.execs), "--", "true"], timeout)
        samples["qemu-microvm exec round trip"].extend(ms / 1000 for ms in result["exec_ms"][1:])
        print(f"run {run + 1}: " + ", ".join(f"{k}={v[-1]:.4f}" for k, v in samples.items()),
              flush=True)

    summary = {k: {"median_s": statistics.median(v), "min_s": min(v), "max_s": max(v), "n": len(v)}
               for k, v in samples.items()}
    with open(args.out, "w") as f:
        json.dump({"samples": samples, "summary": summary, "qemu_argv": qemu}, f, indent=1)
    end_to_end = (summary["partvm run -- true"]["median_s"]
                  / summary["qemu-microvm run true"]["median_s"])
    round_trip = (summary["partvm exec round trip"]["median_s"]
                  / summary["qemu-microvm exec round trip"]["median_s"])
    lines = ["# partvm run vs QEMU microvm + vhost-vsock, same agent", "",
             "| measurement | median | min | max | n |", "|---|---|---|---|---|"]
    for k, v in summary.items():
        lines.append(f"| {k} | {v['median_s'] * 1000:.1f} ms | {v['min_s'] * 1000:.1f} ms | "
                     f"{v['max_s'] * 1000:.1f} ms | {v['n']} |")
    fence_cost = (summary["partvm run -- true"]["median_s"]
                  - summary["partvm run --no-jail --no-seccomp -- true"]["median_s"])
    lines += ["", f"Ratio partvm/QEMU, end to end (`true`, spawn to exit): {end_to_end:.2f}",
              f"Cost of the fence (jail + seccomp) per run: {fence_cost * 1000:.0f} ms (median "
              "difference; partvm runs as root here, so `partvm run` is jailed)",
              f"Ratio partvm/QEMU, exec round trip in a booted VM: {round_trip:.2f}", "",
              "QEMU: `" + " ".join(qemu) + "` with agent_exec listening on AF_VSOCK port 10000.",
              "Kernel: Debian's cloud kernel for both (QEMU needs its virtio modules), except the "
              "row for partvm's own kernel (its default: drivers built in, initramfs without "
              "modules).",
              "partvm: `partvm run --memory 256M --vcpus 2 -- true`; round trips through "
              "`partvm boot --vsock` and agent_exec on the PATH_10000 Unix socket.", ""]
    with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
