# SPDX-License-Identifier: Apache-2.0
"""QEMU as the peer of partvm's benchmarks: -M microvm tuned as a careful user would, and how it
serves partvm's guest agent (vhost-vsock over microvm's virtio-mmio, with the guest modules for
that transport instead of hv_sock's), and its KVM exit counters over QMP."""
import json
import socket

# No option ROMs, no PIT or PIC; the RTC stays (Linux reads the CMOS clock at boot).
MICROVM = "microvm,x-option-roms=off,pit=off,pic=off,rtc=on"
# The same with the UART, for guests that report on the serial console.
MICROVM_SERIAL = MICROVM + ",isa-serial=on"
VSOCK_DEVICE = ["-device", "vhost-vsock-device,guest-cid=3"]
VSOCK_MODULES = "partvm.modules=virtio_mmio,vmw_vsock_virtio_transport"
# virtio-blk over microvm's virtio-mmio: the transport's module and the block driver, after vsock's.
VSOCK_BLK_MODULES = VSOCK_MODULES + ",virtio_blk"


def virtio_blk_drive(path, queues=1, iothread=True):
    """QEMU arguments for one raw disk image as a virtio-blk device on microvm's virtio-mmio, the
    way a careful user serves an image for speed: O_DIRECT (cache=none, as partvm's ,direct),
    Linux io_uring (aio=io_uring, as partvm's disk backend), QUEUES virtqueues (one per vCPU is
    virtio-blk-pci's default, and partvm's storvsp offers a channel per vCPU; virtio-mmio's own
    default is one), served by an I/O thread of their own rather than QEMU's main loop (QEMU 7.2
    gives a device one I/O thread at most)."""
    args = ["-drive", f"file={path},if=none,id=d0,format=raw,aio=io_uring,cache=none"]
    device = f"virtio-blk-device,drive=d0,num-queues={queues}"
    if iothread:
        return args + ["-object", "iothread,id=io0", "-device", device + ",iothread=io0"]
    return args + ["-device", device]


def is_exit_counter(name):
    return name == "exits" or name.endswith("_exits") or name in ("hypercalls", "insn_emulation")


def qmp_execute(path, command, arguments=None):
    """One QMP command on QEMU's monitor socket PATH (a new connection each time); returns the
    reply's "return" value, or raises RuntimeError with its error."""
    with socket.socket(socket.AF_UNIX) as qmp:
        qmp.settimeout(10)
        qmp.connect(path)
        reader = qmp.makefile("rb")
        reader.readline()  # greeting
        request = {"execute": command, **({"arguments": arguments} if arguments else {})}
        for message in ({"execute": "qmp_capabilities"}, request):
            qmp.sendall(json.dumps(message).encode() + b"\n")
            while True:
                reply = json.loads(reader.readline())
                if "return" in reply or "error" in reply:
                    break  # Events come in between.
        if "error" in reply:
            raise RuntimeError(f"QMP {command}: {reply['error']}")
        return reply["return"]


def qmp_exit_counts(path):
    """QEMU's KVM vCPU counters (query-stats, the same binary stats fd), summed over vCPUs."""
    totals = {}
    for block in qmp_execute(path, "query-stats", {"target": "vcpu"}):  # One per vCPU, provider.
        for stat in block.get("stats", []):
            value = stat.get("value")
            if isinstance(value, int) and not isinstance(value, bool) \
                    and is_exit_counter(stat["name"]):
                totals[stat["name"]] = totals.get(stat["name"], 0) + value
    return totals
