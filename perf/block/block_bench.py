#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Block I/O in the guest, partvm against QEMU, in one KVM host (perf/block/run).

Both VMMs boot the same kernel (Debian's cloud kernel) and the same initramfs (the agent's, with
Debian's fio appended: perf/block/fio-initrd.sh), 2 vCPUs and 512 MiB, and serve the same raw image
file, opened with O_DIRECT on both sides:

  partvm  `partvm run --disk IMG,direct -- fio ...`: a VMBus SCSI disk (storvsp, io_uring
          backend), /dev/sda in the guest
  QEMU    -M microvm, IMG as virtio-blk on virtio-mmio with cache=none,aio=io_uring, a queue per
          vCPU and an I/O thread (qemu_peer.virtio_blk_drive), /dev/vda in the guest; the agent
          over vhost-vsock and agent_exec (perf/run), as in perf/run

One boot per run and peer runs every workload, one after the other (fio's stonewall), on the raw
block device: fio --direct=1 --ioengine=libaio, time based, each after a ramp. Runs alternate
between peers; the host's page cache is dropped before each boot. Figures: medians over runs.

Unless --exit-runtime is 0, each peer then boots twice more to count KVM exits: once running
`true`, once running the workloads (without ramp); the difference, over the I/Os fio counted, is
the exits per I/O (partvm: `partvm boot --stats`, since `partvm run` has no counters; QEMU: QMP
query-stats after the guest powered off, -action shutdown=pause keeping the VM to ask).

--image IMG uses an existing image. By default the image is a file on an ext4 file system on a
loop device backed by a file in /tmp: O_DIRECT needs a file system that supports it (the nested
L1's /tmp is a tmpfs, which does not on Linux 6.1), and a file is what users give both VMMs.
Needs root for the loop device and the mount."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from bench import filesystem_type, summary, with_agent_exec  # noqa: E402
from qemu_peer import (MICROVM, VSOCK_BLK_MODULES, VSOCK_DEVICE,  # noqa: E402
                       qmp_execute, qmp_exit_counts, virtio_blk_drive)

AGENT_PORT = 10000  # agent/protocol/limits.h
MEMORY = "512M"  # fio and its libraries take ~90 MB of the initramfs
VCPUS = "2"
DEVICES = {"partvm": "/dev/sda", "qemu": "/dev/vda"}
# name, fio job options, the direction reported, the figures reported (table order).
WORKLOADS = [
    ("seq-read-1m", ["--rw=read", "--bs=1M", "--iodepth=8"], "read", ["MB/s"]),
    ("seq-write-1m", ["--rw=write", "--bs=1M", "--iodepth=8"], "write", ["MB/s"]),
    ("rand-read-4k-qd1", ["--rw=randread", "--bs=4k", "--iodepth=1"], "read",
     ["IOPS", "p50 us", "p99 us"]),
    ("rand-write-4k-qd1", ["--rw=randwrite", "--bs=4k", "--iodepth=1"], "write",
     ["IOPS", "p50 us", "p99 us"]),
    ("rand-read-4k-qd32", ["--rw=randread", "--bs=4k", "--iodepth=32"], "read", ["IOPS"]),
    ("rand-write-4k-qd32", ["--rw=randwrite", "--bs=4k", "--iodepth=32"], "write", ["IOPS"]),
]
HIGHER_IS_BETTER = {"MB/s": True, "IOPS": True, "p50 us": False, "p99 us": False}


def guest_command(device, runtime, ramp):
    """The guest's command: wait (bounded) for the disk's node, then every workload in one fio."""
    fio = ["fio", "--output-format=json", f"--filename={device}", "--direct=1",
           "--ioengine=libaio", "--time_based", f"--runtime={runtime}", f"--ramp_time={ramp}",
           "--norandommap", "--randrepeat=0", "--stonewall"]
    for name, options, _, _ in WORKLOADS:
        fio += [f"--name={name}", *options]
    wait = (f'i=0; while [ ! -b {device} ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done; '
            'exec "$@"')
    return ["sh", "-c", wait, "sh", *fio]


def parse_fio(out):
    """fio's JSON report (whatever precedes its first "{" line is dropped) -> per workload:
    figures, and the I/Os fio counted."""
    start = out.index("{")
    report = json.loads(out[start:out.rindex("}") + 1])
    result = {}
    for job in report["jobs"]:
        spec = next(w for w in WORKLOADS if w[0] == job["jobname"])
        side = job[spec[2]]
        percentiles = side["clat_ns"].get("percentile", {})
        result[job["jobname"]] = {
            "MB/s": side["bw_bytes"] / 1e6, "IOPS": side["iops"],
            "p50 us": percentiles.get("50.000000", 0) / 1000,
            "p99 us": percentiles.get("99.000000", 0) / 1000,
            "ios": job["read"]["total_ios"] + job["write"]["total_ios"]}
    return result


def drop_caches():
    try:
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
    except OSError:
        pass  # Not root: O_DIRECT on both sides leaves little in the page cache anyway.


class Peers:
    def __init__(self, args, image, work):
        self.args = args
        self.image = image
        self.work = work
        self.timeout = 300 + len(WORKLOADS) * (args.runtime + args.ramp) * 3

    def qemu_argv(self, extra=()):
        return ["qemu-system-x86_64", "-accel", "kvm", "-cpu", "host", "-M", MICROVM,
                "-smp", VCPUS, "-m", MEMORY, "-nodefaults", "-no-user-config", "-nographic",
                "-kernel", self.args.kernel, "-initrd", self.args.initrd,
                "-append", f"panic=-1 quiet {VSOCK_BLK_MODULES}", *VSOCK_DEVICE,
                *virtio_blk_drive(self.image, queues=int(VCPUS),
                                 iothread=not self.args.no_iothread), *extra]

    def partvm_run_argv(self, command):
        return [self.args.partvm, "run", "--kernel", self.args.kernel, "--rootfs",
                self.args.initrd, "--memory", MEMORY, "--vcpus", VCPUS,
                "--disk", f"{self.image},direct", "--", *command]

    def partvm(self, runtime, ramp):
        proc = subprocess.run(self.partvm_run_argv(guest_command(DEVICES["partvm"], runtime,
                                                                 ramp)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=self.timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"partvm run failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return parse_fio(proc.stdout)

    def qemu(self, runtime, ramp):
        _, out, _ = with_agent_exec(
            self.qemu_argv(["-no-reboot"]),
            [self.args.agent_exec, "--vsock-port", str(AGENT_PORT), "--timeout",
             str(self.timeout), "--", *guest_command(DEVICES["qemu"], runtime, ramp)],
            self.timeout)
        return parse_fio(out)

    def partvm_exits(self, command):
        """KVM exits of one `partvm boot` running COMMAND through the agent, and its stdout."""
        sock = os.path.join(self.work, "vm.sock")
        stats = os.path.join(self.work, "stats.json")
        _, out, _ = with_agent_exec(
            [self.args.partvm, "boot", "--kernel", self.args.kernel, "--initrd", self.args.initrd,
             "--memory", MEMORY, "--vcpus", VCPUS, "--disk", f"{self.image},direct",
             "--vsock", sock, "--stats", stats],
            [self.args.agent_exec, "--unix", f"{sock}_{AGENT_PORT}", "--timeout",
             str(self.timeout), "--", *command], self.timeout)
        with open(stats) as f:
            exits = json.load(f)["exits"]
        os.unlink(stats)
        return exits, out

    def qemu_exits(self, command):
        """KVM exits of one QEMU boot running COMMAND: the guest's power-off pauses the VM
        (-action shutdown=pause), QMP query-stats reads the counters, then QEMU is stopped."""
        qmp = os.path.join(self.work, "qmp.sock")
        client = subprocess.Popen([self.args.agent_exec, "--vsock-port", str(AGENT_PORT),
                                   "--timeout", str(self.timeout), "--", *command],
                                  stdout=subprocess.PIPE, text=True)
        assert client.stdout.readline().strip() == "listening"
        vmm = subprocess.Popen(self.qemu_argv(["-action", "shutdown=pause",
                                               "-qmp", f"unix:{qmp},server=on,wait=off"]),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            out, _ = client.communicate(timeout=self.timeout)
            if client.returncode != 0:
                raise RuntimeError("agent_exec failed under QEMU")
            deadline = time.monotonic() + 60
            while qmp_execute(qmp, "query-status")["running"]:
                if time.monotonic() > deadline:
                    raise RuntimeError("the QEMU guest did not power off")
                time.sleep(0.1)
            exits = qmp_exit_counts(qmp)
        finally:
            vmm.kill()
            vmm.wait()
        return exits, out.strip().rsplit("\n", 1)[0]

    def exits_per_io(self, peer):
        """PEER's exits while running the workloads (beyond a boot running `true`), per I/O."""
        counter = getattr(self, f"{peer}_exits")
        idle, _ = counter(["true"])
        busy, out = counter(guest_command(DEVICES[peer], self.args.exit_runtime, 0))
        fio = parse_fio(out)
        ios = sum(w["ios"] for w in fio.values())
        delta = {k: busy.get(k, 0) - idle.get(k, 0) for k in busy}
        return {"ios": ios, "exits_idle_boot": idle, "exits_busy_boot": busy,
                "per_io": {k: v / ios for k, v in sorted(delta.items(), key=lambda kv: -kv[1])
                           if v > 0}}


def make_image(work, size_mib):
    """An image of SIZE_MIB, every block written (no holes, no unwritten extents: reads reach
    the device), in an ext4 file system on a loop device over a file in WORK. Returns (image,
    cleanup)."""
    backing = os.path.join(work, "ext4.img")
    mount = os.path.join(work, "mnt")
    os.mkdir(mount)
    with open(backing, "wb") as f:
        # Room for the journal and inode tables; only the blocks written take tmpfs memory.
        f.truncate((size_mib * 5 // 4 + 64) * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", "-E",
                    "lazy_itable_init=0,lazy_journal_init=0", backing], check=True)
    loop = subprocess.run(["losetup", "--find", "--show", backing], check=True,
                          stdout=subprocess.PIPE, text=True).stdout.strip()

    def cleanup():
        subprocess.run(["umount", mount], check=False)
        subprocess.run(["losetup", "-d", loop], check=False)

    try:
        subprocess.run(["mount", "-t", "ext4", loop, mount], check=True)
        print(f"writing the {size_mib} MiB image", flush=True)
        image = os.path.join(mount, "disk.img")
        subprocess.run(["dd", "if=/dev/zero", f"of={image}", "bs=1M", f"count={size_mib}",
                        "oflag=direct", "status=none"], check=True)
        # Jailed, `partvm run`'s VMM is uid 65534: the image must let it read and write.
        os.chmod(image, 0o666)
    except BaseException:
        cleanup()
        raise
    return image, cleanup, loop


def cell(figure):
    return f"{figure['median']:.1f} ({figure['min']:.1f}–{figure['max']:.1f})"


def markdown(result):
    s = result["summary"]
    lines = ["# Block I/O: partvm (VMBus SCSI, storvsp) vs QEMU microvm (virtio-blk)", "",
             f"fio {result['fio_runtime_s']} s per workload after a {result['fio_ramp_s']} s ramp,"
             f" direct=1, libaio, on the raw guest disk; medians of {result['runs']} runs per "
             "peer, alternating (min–max in brackets). Nested (L2 under an L1 on TCG): single "
             "runs scatter widely, read ratios with the spread.", "",
             "| workload | figure | partvm | QEMU | partvm/QEMU | better |",
             "|---|---|---|---|---|---|"]
    for name, _, _, figures in WORKLOADS:
        for figure in figures:
            p, q = s["partvm"][name][figure], s["qemu"][name][figure]
            ratio = p["median"] / q["median"] if q["median"] else float("nan")
            better = "higher" if HIGHER_IS_BETTER[figure] else "lower"
            lines.append(f"| {name} | {figure} | {cell(p)} | {cell(q)} | {ratio:.2f} | {better} |")
    exits = result.get("exits")
    if exits:
        lines += ["", f"KVM exits per I/O, all workloads together ({exits['runtime_s']} s each, "
                  "no ramp), beyond a boot running `true`; top reasons:", "",
                  "| peer | I/Os | exits/IO | top reasons (per I/O) |", "|---|---|---|---|"]
        for peer in ("partvm", "qemu"):
            e = exits.get(peer)
            if not e or "error" in e:
                why = e["error"] if e else "not measured"
                lines.append(f"| {peer} | – | – | {why} |")
                continue
            top = ", ".join(f"{k} {v:.2f}" for k, v in e["per_io"].items() if k != "exits")
            lines.append(f"| {peer} | {e['ios']} | {e['per_io'].get('exits', 0):.2f} | {top} |")
    lines += ["", "partvm: `" + " ".join(result["partvm_argv"]) + "`",
              "", "QEMU: `" + " ".join(result["qemu_argv"]) + "`, agent_exec on vsock port "
              f"{AGENT_PORT} runs fio (`" + " ".join(result["guest_command_qemu"]) + "`).",
              "", "Image: " + result["image_note"], ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--partvm", required=True)
    parser.add_argument("--agent-exec", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--initrd", required=True, help="the agent initramfs with fio")
    parser.add_argument("--image", help="an existing raw image (default: make one, see above)")
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--runtime", type=int, default=10, help="seconds per workload")
    parser.add_argument("--ramp", type=int, default=1, help="seconds before each is measured")
    parser.add_argument("--exit-runtime", type=int, default=3,
                        help="seconds per workload of the exit-counting boots (0: none)")
    parser.add_argument("--peers", default="partvm,qemu")
    parser.add_argument("--no-iothread", action="store_true")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    peers = args.peers.split(",")

    work = tempfile.mkdtemp(prefix="partvm-block-bench-")  # Not the 9p cwd: no sockets there.
    os.chmod(work, 0o755)
    cleanup = None
    if args.image:
        image = args.image
        image_note = f"{image}, given"
    else:
        image, cleanup, loop = make_image(work, args.size_mib)
        image_note = (f"{args.size_mib} MiB raw file, zero-filled, on ext4 on {loop} backed by a "
                      f"file in {work} ({filesystem_type(work)})")
    print(f"image: {image_note}", flush=True)
    bench = Peers(args, image, work)
    samples = {peer: {name: {} for name, _, _, _ in WORKLOADS} for peer in peers}
    try:
        for run in range(args.runs):
            # Alternate which peer goes first, so neither always follows the other.
            for peer in peers if run % 2 == 0 else reversed(peers):
                drop_caches()
                start = time.monotonic()
                result = getattr(bench, peer)(args.runtime, args.ramp)
                for name, figures in result.items():
                    for figure, value in figures.items():
                        samples[peer][name].setdefault(figure, []).append(value)
                print(f"run {run + 1} {peer} ({time.monotonic() - start:.0f} s): " + ", ".join(
                    f"{n} {f['IOPS']:.0f} IOPS {f['MB/s']:.1f} MB/s" for n, f in result.items()),
                    flush=True)
        exits = {}
        if args.exit_runtime > 0:
            exits["runtime_s"] = args.exit_runtime
            for peer in peers:
                drop_caches()
                try:
                    exits[peer] = bench.exits_per_io(peer)
                    print(f"exits per I/O, {peer}: {exits[peer]['per_io']}", flush=True)
                except (RuntimeError, OSError, KeyError, ValueError,
                        subprocess.TimeoutExpired) as error:
                    exits[peer] = {"error": str(error)[-500:]}
                    print(f"exits, {peer}: {error}", flush=True)
    finally:
        if cleanup:
            cleanup()

    result = {
        "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "runs": args.runs, "fio_runtime_s": args.runtime, "fio_ramp_s": args.ramp,
        "kernel": args.kernel, "initrd": args.initrd, "image_note": image_note,
        "memory": MEMORY, "vcpus": int(VCPUS),
        "partvm_argv": bench.partvm_run_argv(["fio", "..."]),
        "qemu_argv": bench.qemu_argv(["-no-reboot"]),
        "guest_command_qemu": guest_command(DEVICES["qemu"], args.runtime, args.ramp),
        "samples": samples,
        "summary": {peer: {name: {figure: summary(values) for figure, values in figures.items()}
                           for name, figures in by_name.items()}
                    for peer, by_name in samples.items()},
        "exits": exits}
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    if set(peers) == {"partvm", "qemu"}:
        text = markdown(result)
        with open(os.path.splitext(args.out)[0] + ".md", "w") as f:
            f.write(text)
        print(text)


if __name__ == "__main__":
    main()
