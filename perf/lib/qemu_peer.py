# SPDX-License-Identifier: Apache-2.0
"""QEMU as the peer of partvm's benchmarks: -M microvm tuned as a careful user would, and how it
serves partvm's guest agent (vhost-vsock over microvm's virtio-mmio, with the guest modules for
that transport instead of hv_sock's)."""

# No option ROMs, no PIT or PIC; the RTC stays (Linux reads the CMOS clock at boot).
MICROVM = "microvm,x-option-roms=off,pit=off,pic=off,rtc=on"
# The same with the UART, for guests that report on the serial console.
MICROVM_SERIAL = MICROVM + ",isa-serial=on"
VSOCK_DEVICE = ["-device", "vhost-vsock-device,guest-cid=3"]
VSOCK_MODULES = "partvm.modules=virtio_mmio,vmw_vsock_virtio_transport"
