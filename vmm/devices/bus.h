// SPDX-License-Identifier: Apache-2.0
// Port-I/O dispatch for the few legacy devices partvm keeps. Called from vCPU threads: each device
// has its own lock, so vCPUs touching different devices never contend.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace vmm {

/// A device on the port-I/O bus. `offset` is relative to the device's base port. Implementations
/// need not be thread-safe: the bus serialises calls per device.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    virtual void read(uint16_t offset, std::span<uint8_t> data) = 0;
    virtual void write(uint16_t offset, std::span<const uint8_t> data) = 0;
};

class IoBus {
public:
    /// Registers `device` for ports [base, base + length). Ranges must not overlap: returns false,
    /// registering nothing, when this one overlaps a range already taken.
    [[nodiscard]] bool insert(uint16_t base, uint16_t length, std::shared_ptr<BusDevice> device);
    /// Unclaimed ports read as all-ones (what real hardware returns for an empty ISA slot).
    void read(uint16_t port, std::span<uint8_t> data);
    /// Writes to unclaimed ports are dropped.
    void write(uint16_t port, std::span<const uint8_t> data);

private:
    struct Entry {
        uint16_t base;
        uint16_t length;
        // Shared with the builder, which may keep a handle for flushing (see Vm::stop).
        std::shared_ptr<BusDevice> device;
        std::unique_ptr<std::mutex> lock;
    };
    Entry* find(uint16_t port);

    std::vector<Entry> m_entries; // Fixed after set-up; only the devices' own state changes.
};

} // namespace vmm
