// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/builder.h"
#include "base/file_image.h"
#include "vmbus-lite/scsi/disk_config.h"
#include "vmm/acpi/tables.h"
#include "vmm/acpi/vmbus_device.h"
#include "vmm/arch/x86_64/boot_regs.h"
#include "vmm/arch/x86_64/cpuid.h"
#include "vmm/arch/x86_64/reset_stub.h"
#include "vmm/boot/cmdline.h"
#include "vmm/boot/initrd.h"
#include "vmm/boot/kernel_loader.h"
#include "vmm/boot/zero_page.h"
#include "vmm/devices/cmos_rtc.h"
#include "vmm/devices/power.h"
#include "vmm/disk_image/open_disk.h"
#include "vmm/host_check/host_report.h"
#include "vmm/hyperv/hv_cpuid.h"
#include "vmm/hyperv/synic.h"
#include "vmm/layout/layout.h"
#include "vmm/vm/host_probe.h"
#include "vmm/vsock/vsock_unix_listener.h"

#include <fmt/core.h>
#include <linux/kvm.h>
#include <sys/sysinfo.h>
#include <unistd.h>

namespace vmm {

namespace {

// Below 4 GiB, above guest RAM's 3 GiB limit: three pages KVM reserves for the Intel TSS.
constexpr uint64_t kvm_tss_address = 0xfffbd000;

/// Pulses one GSI of the in-kernel irqchip.
class IrqLine final : public InterruptLine {
public:
    IrqLine(VmFd& vm, uint32_t gsi)
        : m_vm(vm)
        , m_gsi(gsi)
    {
    }
    void pulse() override
    {
        (void)m_vm.set_irq_line(m_gsi, true);
        (void)m_vm.set_irq_line(m_gsi, false);
    }

private:
    VmFd& m_vm;
    uint32_t m_gsi;
};

Result<void, BuildError> check_host_limits(const Kvm& kvm, const VmConfig& config)
{
    // The host check's own rule, so `partvm boot` and `partvm check` never disagree. (The Hyper-V
    // CPUID, the check's other KVM rule, is composed and refused alike in create_vcpu_fds().)
    if (const std::string problem
        = host::missing_capabilities_problem(host::capability_answers(kvm));
        !problem.empty()) {
        return BuildError::host_failure(fmt::format("{}; {}", problem, host::see_partvm_check));
    }
    if (config.machine.vcpus > kvm.max_vcpus()) {
        return BuildError::bad_input(
            fmt::format("vcpus {} exceeds this host's KVM limit of {} vCPUs", config.machine.vcpus,
                kvm.max_vcpus()));
    }
    return {};
}

Result<GuestMemory, BuildError> allocate_guest_memory(const VmConfig& config)
{
    struct sysinfo info { };
    if (::sysinfo(&info) == 0) {
        const uint64_t host_ram = uint64_t(info.totalram) * info.mem_unit;
        if (config.machine.memory_bytes > host_ram) {
            return BuildError::bad_input(
                fmt::format("memory {} MiB exceeds this host's {} MiB of RAM",
                    config.machine.memory_bytes >> 20, host_ram >> 20));
        }
    }
    return or_host_failure(
        GuestMemory::create(config.machine.memory_bytes), "allocating guest memory");
}

Result<void, BuildError> map_guest_memory(Vm& vm)
{
    uint32_t slot = 0;
    for (const auto& region : vm.memory().regions()) {
        auto mapped = vm.vm_fd().set_user_memory_region(
            slot++, region.guest_base.value, region.size, vm.memory().host_address_of(region));
        TRY(or_host_failure(std::move(mapped), "mapping guest memory into KVM"));
    }
    return {};
}

/// Puts `device` on the bus at `base` for the ports it says it has. The ports come from layout.h,
/// so an overlap is partvm's bug rather than the user's.
template<class Device>
Result<void, BuildError> attach_to_bus(IoBus& bus, uint16_t base, std::shared_ptr<Device> device)
{
    if (!bus.insert(base, Device::port_count, std::move(device))) {
        return BuildError::host_failure(
            fmt::format("internal error: I/O ports {:#x}-{:#x} overlap another device's", base,
                base + Device::port_count - 1));
    }
    return {};
}

Result<void, BuildError> attach_legacy_devices(Vm& vm, const VmConfig& config)
{
    IoBus& bus = vm.io_bus();
    TRY(attach_to_bus(bus, layout::port_cmos_index, std::make_shared<CmosRtc>()));
    TRY(attach_to_bus(bus, layout::port_i8042_command, std::make_shared<I8042ResetDevice>(vm)));
    TRY(attach_to_bus(bus, layout::port_acpi_sleep_control, std::make_shared<AcpiPowerDevice>(vm)));
    if (config.console.serial) {
        auto& irq = vm.add_irq_line(std::make_unique<IrqLine>(vm.vm_fd(), layout::irq_com1));
        auto serial = std::make_shared<Serial8250>(STDOUT_FILENO, irq);
        TRY(attach_to_bus(bus, layout::port_com1, serial));
        vm.set_serial(serial);
    }
    return {};
}

/// Loads kernel, initramfs and command line, then writes ACPI tables and the zero page. Needs no
/// KVM, so every problem with the user's files is reported before KVM is touched.
Result<GuestAddress, BuildError> load_guest_image(GuestMemory& memory, const VmConfig& config)
{
    const FileImage kernel_file = TRY(or_bad_input(FileImage::open(config.boot.kernel, "kernel")));
    const LoadedKernel kernel = TRY(or_bad_input(
        load_kernel(memory, kernel_file.bytes()), fmt::format("kernel '{}'", config.boot.kernel)));
    InitrdPlacement initrd {};
    if (!config.boot.initrd.empty()) {
        const FileImage initrd_file
            = TRY(or_bad_input(FileImage::open(config.boot.initrd, "initramfs")));
        initrd = TRY(or_bad_input(place_initrd(memory, initrd_file.bytes(), kernel),
            fmt::format("initramfs '{}'", config.boot.initrd)));
    }
    const std::string cmdline
        = config.boot.cmdline_set ? config.boot.cmdline : default_cmdline(config);
    const CmdlinePlacement cmdline_placement
        = TRY(or_bad_input(write_cmdline(memory, cmdline, kernel), "--cmdline"));
    const acpi::AcpiConfig acpi_config { .vcpu_count = config.machine.vcpus,
        .serial_console = config.console.serial,
        .extra_devices = { acpi::vmbus_device() } };
    const GuestAddress rsdp
        = TRY(or_host_failure(acpi::write_acpi_tables(memory, acpi_config), "writing ACPI tables"));
    TRY(or_host_failure(write_boot_structures(memory), "writing boot page tables"));
    TRY(or_host_failure(write_reset_stub(memory), "writing the reset stub"));
    const BootParamsInput boot_params {
        .kernel = kernel, .cmdline = cmdline_placement, .initrd = initrd, .acpi_rsdp = rsdp
    };
    TRY(or_bad_input(write_boot_params(memory, boot_params), "writing boot parameters"));
    return kernel.entry;
}

/// Creates and configures every vCPU fd, in order, so that each one's VP index equals its APIC id
/// and KVM index.
Result<std::vector<VcpuFd>, BuildError> create_vcpu_fds(
    Vm& vm, const VmConfig& config, GuestAddress entry)
{
    const Kvm& kvm = vm.kvm();
    constexpr const char* reading_cpuid = "reading KVM's supported CPUID";
    CpuidTable base_cpuid = TRY(or_host_failure(kvm.supported_cpuid(), reading_cpuid));
    const CpuidTable hv_supported = TRY(or_host_failure(kvm.supported_hv_cpuid(), reading_cpuid));
    auto hv_leaves = hyperv::compose_hv_cpuid(hv_supported, config.machine.vcpus);
    if (!hv_leaves) {
        return BuildError::host_failure(
            fmt::format("{}; {}", hv_leaves.error().message(), host::see_partvm_check));
    }
    remove_hypervisor_leaves(base_cpuid);
    const bool tsc_deadline = kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;

    std::vector<VcpuFd> fds;
    for (uint32_t index = 0; index < config.machine.vcpus; ++index) {
        VcpuFd fd = TRY(
            or_host_failure(vm.vm_fd().create_vcpu(index), fmt::format("creating vCPU {}", index)));
        CpuidTable cpuid = base_cpuid;
        apply_topology(cpuid,
            { .vcpu_index = index,
                .vcpu_count = config.machine.vcpus,
                .tsc_deadline_timer = tsc_deadline });
        cpuid.insert(cpuid.end(), hv_leaves->begin(), hv_leaves->end());
        TRY(or_host_failure(fd.set_cpuid(cpuid), fmt::format("setting CPUID of vCPU {}", index)));
        TRY(or_host_failure(
            hyperv::enable_synic(fd), fmt::format("enabling SynIC on vCPU {}", index)));
        if (index == 0) {
            TRY(or_host_failure(
                set_boot_registers(fd, entry, GuestAddress(layout::boot_params_start)),
                "setting the boot vCPU's registers"));
        }
        // The other vCPUs wait in the in-kernel LAPIC for Linux's INIT/SIPI.
        fds.push_back(std::move(fd));
    }
    return fds;
}

/// The VMBus host and its SynIC ports. After every vCPU has SynIC enabled: KVM binds a SINT route
/// to its vCPU's SynIC only when the routing table is installed.
Result<void, BuildError> attach_vmbus(Vm& vm, const VmConfig& config)
{
    auto ports = TRY(
        or_host_failure(hyperv::SynicPorts::create(vm.vm_fd(), vm.memory(), config.machine.vcpus),
            "setting up SynIC interrupt routes"));
    vm.set_synic_ports(std::make_unique<hyperv::SynicPorts>(std::move(ports)));
    auto host = TRY(or_host_failure(
        VmbusHost::create(vm.vm_fd(), vm.memory(), *vm.synic_ports()), "starting the VMBus host"));
    vm.set_vmbus(std::move(host), std::make_unique<vmbus::ic::ShutdownDevice>());
    return {};
}

/// Every [[disk]] opened and locked. Before KVM: a missing, locked or odd-sized image is the
/// user's to fix.
Result<std::vector<OpenedDisk>, BuildError> open_vm_disks(const VmConfig& config)
{
    // validate() held serials to the limit the SCSI disk serves.
    static_assert(max_disk_serial_size == vmbus::scsi::max_serial_size);
    auto disks = open_disks(config.disks);
    if (!disks) {
        return BuildError::bad_input(std::move(disks).error().message);
    }
    return std::move(disks).value();
}

/// The hybrid Unix front end of AF_VSOCK, when one was asked for. Before KVM: a socket path in use
/// is the user's problem to fix.
Result<std::unique_ptr<VsockUnixListener>, BuildError> listen_for_vsock(const VmConfig& config)
{
    if (config.vsock.socket.empty()) {
        return std::unique_ptr<VsockUnixListener>();
    }
    auto listener = VsockUnixListener::create(config.vsock.socket);
    if (!listener) {
        return BuildError::bad_input(std::move(listener).error());
    }
    return std::move(listener).value();
}

/// AF_VSOCK on the VMBus host, with the hybrid Unix front end when one was asked for.
void attach_vsock(Vm& vm, std::unique_ptr<VsockUnixListener> listener)
{
    static_assert(max_vsock_socket_path == VsockUnixListener::max_path_length);
    VmbusHost& host = *vm.vmbus();
    auto vsock = std::make_unique<VsockService>(
        std::make_unique<ControlPlaneVsockBus>(host.loop(), host.control()));
    if (listener) {
        vsock->serve_unix(std::move(listener));
    }
    vm.set_vsock(std::move(vsock));
}

/// The SCSI controller with every disk, when there are any.
Result<void, BuildError> attach_disks(Vm& vm, const VmConfig& config, std::vector<OpenedDisk> disks)
{
    if (disks.empty()) {
        return {};
    }
    vm.set_scsi(TRY(or_host_failure(
        ScsiController::attach(*vm.vmbus(), vm.memory(), std::move(disks), config.machine.vcpus),
        "attaching the disks")));
    return {};
}

Result<void, BuildError> create_vcpus(Vm& vm, const VmConfig& config, GuestAddress entry)
{
    std::vector<VcpuFd> fds = TRY(create_vcpu_fds(vm, config, entry));
    TRY(attach_vmbus(vm, config));
    for (VcpuFd& fd : fds) {
        vm.add_vcpu(std::make_unique<Vcpu>(
            std::move(fd), vm.io_bus(), vm, vm.memory(), vm.synic_ports(), vm.vmbus()));
    }
    return {};
}

} // namespace

std::string default_cmdline(const VmConfig& config)
{
    std::string cmdline = "panic=-1 quiet";
    if (config.console.serial) {
        cmdline = "console=ttyS0 " + cmdline;
    }
    if (!config.disks.empty()) {
        // The agent waits for this many SCSI disks before it runs a command.
        cmdline += " partvm.disks=" + std::to_string(config.disks.size());
    }
    return cmdline;
}

Result<std::unique_ptr<Vm>, BuildError> build_vm(const VmConfig& config, BootTimeline* timeline)
{
    const auto mark = [timeline](const char* phase) {
        if (timeline) {
            timeline->mark(phase);
        }
    };
    GuestMemory memory = TRY(allocate_guest_memory(config));
    mark("guest_memory");
    const GuestAddress entry = TRY(load_guest_image(memory, config));
    mark("kernel_and_initrd_loaded");
    std::vector<OpenedDisk> disks = TRY(open_vm_disks(config));
    auto vsock_listener = TRY(listen_for_vsock(config));

    Kvm kvm = TRY(or_host_failure(Kvm::open(), "cannot use /dev/kvm"));
    TRY(check_host_limits(kvm, config));
    VmFd vm_fd = TRY(or_host_failure(kvm.create_vm(), "creating the VM"));
    TRY(or_host_failure(vm_fd.set_tss_address(kvm_tss_address), "setting up the VM"));
    TRY(or_host_failure(vm_fd.create_irqchip(), "creating the in-kernel irqchip"));
    TRY(or_host_failure(vm_fd.mask_legacy_pic(), "masking the legacy PIC"));
    mark("kvm_vm_and_irqchip");
    auto vm = std::make_unique<Vm>(std::move(kvm), std::move(vm_fd), std::move(memory));
    TRY(map_guest_memory(*vm));
    TRY(attach_legacy_devices(*vm, config));
    TRY(create_vcpus(*vm, config, entry));
    attach_vsock(*vm, std::move(vsock_listener));
    TRY(attach_disks(*vm, config, std::move(disks)));
    mark("vcpus_and_devices");
    return vm;
}

} // namespace vmm
