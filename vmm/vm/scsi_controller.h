// SPDX-License-Identifier: Apache-2.0
// The VM's disks on the VMBus: one storvsp SCSI controller whose LUN i is disk i, each disk read
// and written through its own io_uring (vmm/block). Built before the threads are fenced (a ring
// cannot be set up afterwards); destroyed after the VMBus thread stopped and before the host,
// whose control plane and event loop it uses.
#pragma once
#include "base/result.h"
#include "vmbus-lite/storvsp/storvsp_device.h"
#include "vmm/disk_image/open_disk.h"

#include <memory>
#include <vector>

namespace vmm {

class VmbusHost;

class ScsiController {
public:
    /// The most sub-channels (queues besides the primary) one controller offers.
    static constexpr uint16_t max_sub_channels = 15;

    /// Offers the controller on `host` with `disks` as LUN 0, 1, ... (at most
    /// StorvspDevice::max_luns), and a sub-channel per vCPU after the first (Linux asks for one
    /// per CPU but its first), up to max_sub_channels. Each disk's fd moves into its backend.
    static Result<std::unique_ptr<ScsiController>> attach(
        VmbusHost& host, const GuestMemory& memory, std::vector<OpenedDisk> disks, uint32_t vcpus);
    /// Takes the controller off the bus; I/O the kernel still holds is waited for.
    ~ScsiController();
    ScsiController(const ScsiController&) = delete;
    ScsiController& operator=(const ScsiController&) = delete;

private:
    ScsiController(VmbusHost& host, std::unique_ptr<vmbus::storvsp::StorvspDevice> device);

    VmbusHost& m_host;
    std::unique_ptr<vmbus::storvsp::StorvspDevice> m_device;
};

/// What the guest is told about `disk`: 512-byte blocks, its size, read-only state and serial;
/// discard (UNMAP) on writable image files, which punch holes.
vmbus::scsi::DiskConfig scsi_disk_config(const OpenedDisk& disk);

} // namespace vmm
