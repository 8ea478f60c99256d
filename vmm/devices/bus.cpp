// SPDX-License-Identifier: Apache-2.0
#include "vmm/devices/bus.h"

#include <algorithm>

namespace vmm {

bool IoBus::insert(uint16_t base, uint16_t length, std::shared_ptr<BusDevice> device)
{
    const uint32_t end = uint32_t(base) + length;
    for (const auto& entry : m_entries) {
        if (base < entry.base + entry.length && entry.base < end) {
            return false;
        }
    }
    m_entries.push_back({ base, length, std::move(device), std::make_unique<std::mutex>() });
    return true;
}

IoBus::Entry* IoBus::find(uint16_t port)
{
    for (auto& entry : m_entries) {
        if (port >= entry.base && port - entry.base < entry.length) {
            return &entry;
        }
    }
    return nullptr;
}

void IoBus::read(uint16_t port, std::span<uint8_t> data)
{
    Entry* entry = find(port);
    if (!entry) {
        std::fill(data.begin(), data.end(), 0xff);
        return;
    }
    std::lock_guard guard(*entry->lock);
    entry->device->read(port - entry->base, data);
}

void IoBus::write(uint16_t port, std::span<const uint8_t> data)
{
    Entry* entry = find(port);
    if (!entry) {
        return;
    }
    std::lock_guard guard(*entry->lock);
    entry->device->write(port - entry->base, data);
}

} // namespace vmm
