// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/scsi_controller.h"

#include "vmm/block/uring_disk.h"
#include "vmm/vmbus_host/vmbus_host.h"

#include <algorithm>

namespace vmm {

namespace {

// One controller per VM, so one fixed instance: Linux names the SCSI host by it.
constexpr vmbus::Guid controller_instance
    = vmbus::make_guid("7f3c3c1e-5d1a-4b8e-9a52-70617274766d");

} // namespace

vmbus::scsi::DiskConfig scsi_disk_config(const OpenedDisk& disk)
{
    return {
        .block_size = disk.block_size,
        .block_count = disk.block_count(),
        .read_only = disk.read_only,
        .serial = disk.serial,
        // A hole punch on a block device may fail where the device cannot unmap; only files
        // promise it.
        .discard = !disk.read_only && !disk.block_device,
    };
}

Result<std::unique_ptr<ScsiController>> ScsiController::attach(
    VmbusHost& host, const GuestMemory& memory, std::vector<OpenedDisk> disks, uint32_t vcpus)
{
    std::vector<vmbus::storvsp::Lun> luns;
    for (OpenedDisk& disk : disks) {
        auto config = TRY(vmbus::scsi::ScsiDisk::create(scsi_disk_config(disk)));
        auto backend = TRY(UringDisk::create(std::move(disk.fd), host.loop()));
        luns.push_back({ std::move(config), std::move(backend) });
    }
    const vmbus::storvsp::StorvspOptions options {
        .instance = controller_instance,
        .protocol
        = { .max_sub_channels = uint16_t(std::min<uint32_t>(vcpus - 1, max_sub_channels)) },
    };
    auto device = std::make_unique<vmbus::storvsp::StorvspDevice>(
        memory, std::move(luns), options, &host.control());
    host.add_device(*device);
    return std::unique_ptr<ScsiController>(new ScsiController(host, std::move(device)));
}

ScsiController::ScsiController(
    VmbusHost& host, std::unique_ptr<vmbus::storvsp::StorvspDevice> device)
    : m_host(host)
    , m_device(std::move(device))
{
}

ScsiController::~ScsiController()
{
    m_host.control().remove_device(*m_device);
}

} // namespace vmm
