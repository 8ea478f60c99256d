// SPDX-License-Identifier: Apache-2.0
// What the vsock service needs from the VMBus host: its event loop and its control plane's
// device calls. ControlPlaneVsockBus provides it over the VmbusHost's; tests fake it with plain
// rings. Every call is made on the VMBus thread, or before its loop runs.
#pragma once
#include "vmbus-lite/channel/device.h"
#include "vmbus-lite/control/control_plane.h"
#include "vmm/event_loop/event_loop.h"

#include <functional>

namespace vmm {

class VsockBus {
public:
    virtual ~VsockBus() = default;
    virtual EventLoop& loop() = 0;
    /// Offers `device`; returns its relid, or 0 when the bus has none free.
    virtual uint32_t add_device(vmbus::Device& device) = 0;
    /// Closes the device's channel if open and rescinds its offer; the device may then go.
    virtual void remove_device(vmbus::Device& device) = 0;
    /// Runs the device of `relid` as if the guest had signalled the channel.
    virtual void service_channel(uint32_t relid) = 0;
    /// Where TL_CONNECT_REQUEST goes (nullptr: nowhere).
    using ConnectHandler = std::function<void(const vmbus::TlConnectRequestMessage&)>;
    virtual void set_connect_handler(ConnectHandler handler) = 0;
};

/// The bus of a running VMBus host: its loop and control plane, which must outlive this.
class ControlPlaneVsockBus final : public VsockBus {
public:
    ControlPlaneVsockBus(EventLoop& loop, vmbus::ControlPlane& control)
        : m_loop(loop)
        , m_control(control)
    {
    }
    EventLoop& loop() override { return m_loop; }
    uint32_t add_device(vmbus::Device& device) override { return m_control.add_device(device); }
    void remove_device(vmbus::Device& device) override { m_control.remove_device(device); }
    void service_channel(uint32_t relid) override
    {
        m_control.on_guest_signal(vmbus::connection_id_of(relid));
    }
    void set_connect_handler(ConnectHandler handler) override
    {
        m_control.set_connect_handler(std::move(handler));
    }

private:
    EventLoop& m_loop;
    vmbus::ControlPlane& m_control;
};

} // namespace vmm
