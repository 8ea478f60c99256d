// SPDX-License-Identifier: Apache-2.0
#include "vmm/vmbus_host/vmbus_host.h"
#include "base/check.h"
#include "base/eventfd.h"
#include "base/log.h"
#include "vmbus-lite/protocol/versions.h"
#include "vmm/kvm/vm_fd.h"

#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace vmm {

namespace {

// As many guest messages as may wait for the VMBus thread. Linux posts one at a time per
// request and retries INSUFFICIENT_BUFFERS with backoff, so this is only reached by a flood.
constexpr size_t inbox_capacity = 64;

} // namespace

Result<std::unique_ptr<VmbusHost>> VmbusHost::create(
    VmFd& vm, const GuestMemory& memory, hyperv::SynicPorts& ports)
{
    auto loop = TRY(EventLoop::create());
    UniqueFd inbox = TRY(make_eventfd());
    std::unique_ptr<VmbusHost> host(
        new VmbusHost(vm, memory, ports, std::move(loop), std::move(inbox)));
    return host;
}

VmbusHost::VmbusHost(VmFd& vm, const GuestMemory& memory, hyperv::SynicPorts& ports,
    std::unique_ptr<EventLoop> loop, UniqueFd inbox_event)
    : m_vm(vm)
    , m_ports(ports)
    , m_loop(std::move(loop))
    , m_inbox_event(std::move(inbox_event))
    , m_outbox(ports.vcpu_count())
    , m_control(memory, ports.vcpu_count(), *this)
{
    m_loop->watch(m_inbox_event.get(), [this] {
        drain_eventfd(m_inbox_event.get());
        drain_inbox();
    });
    for (uint32_t vp = 0; vp < ports.vcpu_count(); ++vp) {
        const int fd = ports.resample_fd(vp);
        // The guest acknowledged a message on this VP (EOM or EOI): its slot may be free.
        m_loop->watch(fd, [this, fd, vp] {
            drain_eventfd(fd);
            deliver(vp);
        });
    }
}

VmbusHost::~VmbusHost()
{
    stop();
}

void VmbusHost::start(std::function<void()> on_thread_start)
{
    m_running.store(true, std::memory_order_release);
    m_thread = std::thread([this, on_thread_start = std::move(on_thread_start)] {
        ::pthread_setname_np(::pthread_self(), "vmbus-io"); // Names it in SIGSYS logs.
        if (on_thread_start) {
            on_thread_start();
        }
        m_loop->run();
    });
}

void VmbusHost::stop()
{
    m_running.store(false, std::memory_order_release);
    if (m_thread.joinable()) {
        m_loop->stop();
        m_thread.join();
    }
}

uint16_t VmbusHost::on_guest_post_message(uint32_t vp_index, uint32_t connection_id,
    uint32_t message_type, std::span<const std::byte> payload)
{
    (void)vp_index; // Replies go to the VP named in INITIATE_CONTACT, not the sender.
    (void)message_type; // Linux always sends 1; the control plane reads the payload's own type.
    if (!vmbus::ControlPlane::is_message_connection(connection_id)) {
        return hyperv::HV_STATUS_INVALID_CONNECTION_ID;
    }
    {
        std::lock_guard lock(m_inbox_lock);
        if (m_inbox.size() >= inbox_capacity) {
            return hyperv::HV_STATUS_INSUFFICIENT_BUFFERS;
        }
        m_inbox.emplace_back(payload.begin(), payload.end());
    }
    CHECK(signal_eventfd(m_inbox_event.get()));
    return hyperv::HV_STATUS_SUCCESS;
}

uint16_t VmbusHost::signal_event(uint32_t connection_id, uint16_t flag_number)
{
    // Every open channel's connection id has a KVM_HYPERV_EVENTFD, so KVM completes those signals
    // itself; what reaches us names no channel (or one closing right now, which needs nothing).
    (void)connection_id;
    (void)flag_number;
    return hyperv::HV_STATUS_INVALID_CONNECTION_ID;
}

void VmbusHost::drain_inbox()
{
    while (true) {
        std::vector<std::byte> message;
        {
            std::lock_guard lock(m_inbox_lock);
            if (m_inbox.empty()) {
                return;
            }
            message = std::move(m_inbox.front());
            m_inbox.pop_front();
        }
        m_control.handle_message(message);
    }
}

void VmbusHost::post_to_guest(uint32_t vp, std::span<const std::byte> message)
{
    CHECK(vp < m_outbox.size());
    m_outbox[vp].emplace_back(message.begin(), message.end());
    deliver(vp);
}

void VmbusHost::deliver(uint32_t vp)
{
    auto& queue = m_outbox[vp];
    while (!queue.empty()) {
        switch (m_ports.post_message(vp, vmbus::synic_message_type_vmbus, queue.front())) {
        case hyperv::PostResult::Delivered:
            queue.pop_front();
            break;
        case hyperv::PostResult::Busy:
            return; // The guest sets EOM once it frees the slot: the resample fd fires.
        case hyperv::PostResult::NotReady:
            // The guest has no message page on this VP (yet): Linux enables SynIC on every CPU
            // before it connects, so this is a guest that never will. Keep it for a later try.
            LOG_DEBUG("vmbus: vp {} has no SynIC message page; {} messages wait", vp, queue.size());
            return;
        }
    }
}

void VmbusHost::signal_guest(uint32_t vp, uint32_t relid)
{
    (void)m_ports.signal_event(vp, relid);
}

bool VmbusHost::watch_connection(uint32_t connection_id)
{
    auto event = make_eventfd();
    if (!event) {
        LOG_ERROR("vmbus: connection {:#x}: {}", connection_id, event.error().message());
        return false;
    }
    if (auto assigned = m_vm.assign_hyperv_eventfd(connection_id, event->get()); !assigned) {
        LOG_ERROR("vmbus: connection {:#x}: {}", connection_id, assigned.error().message());
        return false;
    }
    const int fd = event->get();
    const auto watch = m_loop->watch(fd, [this, fd, connection_id] {
        drain_eventfd(fd);
        m_control.on_guest_signal(connection_id);
    });
    m_connections.emplace(connection_id, Connection { std::move(event).value(), watch });
    return true;
}

void VmbusHost::unwatch_connection(uint32_t connection_id)
{
    auto it = m_connections.find(connection_id);
    if (it == m_connections.end()) {
        return;
    }
    (void)m_vm.deassign_hyperv_eventfd(connection_id, it->second.event.get());
    m_loop->unwatch(it->second.watch);
    m_connections.erase(it);
}

} // namespace vmm
