// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/builder.h"
#include "base/file_image.h"
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

using Built = std::variant<std::unique_ptr<Vm>, BuildError>;

// Below 4 GiB, above guest RAM's 3 GiB limit: three pages KVM reserves for the Intel TSS.
constexpr uint64_t kvm_tss_address = 0xfffbd000;

BuildError bad_input(std::string message)
{
    return BuildError { BuildError::Kind::BadInput, std::move(message) };
}

BuildError fail(std::string message)
{
    return BuildError { BuildError::Kind::HostFailure, std::move(message) };
}

BuildError fail(std::string_view what, const Error& error)
{
    return fail(fmt::format("{}: {}", what, error.message()));
}

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

std::optional<BuildError> check_host_limits(const Kvm& kvm, const VmConfig& config)
{
    // The host check's own verdict, so `partvm boot` and `partvm check` never disagree.
    if (const std::string problem = host::kvm_problem(host::kvm_facts(kvm)); !problem.empty()) {
        return fail(fmt::format("{}; {}", problem, host::see_partvm_check));
    }
    if (config.machine.vcpus > kvm.max_vcpus()) {
        return bad_input(fmt::format("vcpus {} exceeds this host's KVM limit of {} vCPUs",
            config.machine.vcpus, kvm.max_vcpus()));
    }
    return std::nullopt;
}

std::variant<GuestMemory, BuildError> allocate_guest_memory(const VmConfig& config)
{
    struct sysinfo info { };
    if (::sysinfo(&info) == 0) {
        const uint64_t host_ram = uint64_t(info.totalram) * info.mem_unit;
        if (config.machine.memory_bytes > host_ram) {
            return bad_input(fmt::format("memory {} MiB exceeds this host's {} MiB of RAM",
                config.machine.memory_bytes >> 20, host_ram >> 20));
        }
    }
    auto memory = GuestMemory::create(config.machine.memory_bytes);
    if (!memory) {
        return fail("allocating guest memory", memory.error());
    }
    return std::move(memory).value();
}

std::optional<BuildError> map_guest_memory(Vm& vm)
{
    uint32_t slot = 0;
    for (const auto& region : vm.memory().regions()) {
        auto mapped = vm.vm_fd().set_user_memory_region(
            slot++, region.guest_base.value, region.size, vm.memory().host_address_of(region));
        if (!mapped) {
            return fail("mapping guest memory into KVM", mapped.error());
        }
    }
    return std::nullopt;
}

std::optional<BuildError> attach_legacy_devices(Vm& vm, const VmConfig& config)
{
    IoBus& bus = vm.io_bus();
    bus.insert(layout::port_cmos_index, 2, std::make_shared<CmosRtc>());
    bus.insert(layout::port_i8042_command, 1, std::make_shared<I8042ResetDevice>(vm));
    bus.insert(layout::port_acpi_sleep_control, 3, std::make_shared<AcpiPowerDevice>(vm));
    if (config.console.serial) {
        auto& irq = vm.add_irq_line(std::make_unique<IrqLine>(vm.vm_fd(), layout::irq_com1));
        auto serial = std::make_shared<Serial8250>(STDOUT_FILENO, irq);
        bus.insert(layout::port_com1, 8, serial);
        vm.set_serial(serial);
    }
    return std::nullopt;
}

/// Loads kernel, initramfs and command line, then writes ACPI tables and the zero page. Needs no
/// KVM, so every problem with the user's files is reported before KVM is touched.
std::variant<GuestAddress, BuildError> load_guest_image(GuestMemory& memory, const VmConfig& config)
{
    auto kernel_file = FileImage::open(config.boot.kernel, "kernel");
    if (auto* message = std::get_if<std::string>(&kernel_file)) {
        return bad_input(*message);
    }
    auto kernel = load_kernel(memory, std::get<FileImage>(kernel_file).bytes());
    if (!kernel) {
        return bad_input(
            fmt::format("kernel '{}': {}", config.boot.kernel, kernel.error().message()));
    }
    InitrdPlacement initrd {};
    if (!config.boot.initrd.empty()) {
        auto initrd_file = FileImage::open(config.boot.initrd, "initramfs");
        if (auto* message = std::get_if<std::string>(&initrd_file)) {
            return bad_input(*message);
        }
        auto placed = place_initrd(memory, std::get<FileImage>(initrd_file).bytes(), *kernel);
        if (!placed) {
            return bad_input(
                fmt::format("initramfs '{}': {}", config.boot.initrd, placed.error().message()));
        }
        initrd = *placed;
    }
    const std::string cmdline
        = config.boot.cmdline_set ? config.boot.cmdline : default_cmdline(config);
    auto cmdline_placement = write_cmdline(memory, cmdline, *kernel);
    if (!cmdline_placement) {
        return bad_input(fmt::format("--cmdline: {}", cmdline_placement.error().message()));
    }
    auto rsdp = acpi::write_acpi_tables(memory,
        acpi::AcpiConfig { .vcpu_count = config.machine.vcpus,
            .serial_console = config.console.serial,
            .extra_devices = { acpi::vmbus_device() } });
    if (!rsdp) {
        return fail("writing ACPI tables", rsdp.error());
    }
    if (auto written = write_boot_structures(memory); !written) {
        return fail("writing boot page tables", written.error());
    }
    if (auto written = write_reset_stub(memory); !written) {
        return fail("writing the reset stub", written.error());
    }
    auto params = write_boot_params(memory,
        BootParamsInput { .kernel = *kernel,
            .cmdline = *cmdline_placement,
            .initrd = initrd,
            .acpi_rsdp = *rsdp });
    if (!params) {
        return bad_input(fmt::format("writing boot parameters: {}", params.error().message()));
    }
    return kernel->entry;
}

/// Creates and configures every vCPU fd, in order, so that each one's VP index equals its APIC id
/// and KVM index.
std::variant<std::vector<VcpuFd>, BuildError> create_vcpu_fds(
    Vm& vm, const VmConfig& config, GuestAddress entry)
{
    const Kvm& kvm = vm.kvm();
    auto base_cpuid = kvm.supported_cpuid();
    auto hv_supported = kvm.supported_hv_cpuid();
    if (!base_cpuid || !hv_supported) {
        return fail("reading KVM's supported CPUID",
            base_cpuid ? hv_supported.error() : base_cpuid.error());
    }
    auto hv_leaves = hyperv::compose_hv_cpuid(*hv_supported, config.machine.vcpus);
    if (!hv_leaves) {
        return fail(fmt::format("{}; {}", hv_leaves.error().message(), host::see_partvm_check));
    }
    remove_hypervisor_leaves(*base_cpuid);
    const bool tsc_deadline = kvm.check_extension(KVM_CAP_TSC_DEADLINE_TIMER) > 0;

    std::vector<VcpuFd> fds;
    for (uint32_t index = 0; index < config.machine.vcpus; ++index) {
        auto fd = vm.vm_fd().create_vcpu(index);
        if (!fd) {
            return fail(fmt::format("creating vCPU {}", index), fd.error());
        }
        CpuidTable cpuid = *base_cpuid;
        apply_topology(cpuid,
            { .vcpu_index = index,
                .vcpu_count = config.machine.vcpus,
                .tsc_deadline_timer = tsc_deadline });
        cpuid.insert(cpuid.end(), hv_leaves->begin(), hv_leaves->end());
        if (auto set = fd->set_cpuid(cpuid); !set) {
            return fail(fmt::format("setting CPUID of vCPU {}", index), set.error());
        }
        if (auto synic = hyperv::enable_synic(*fd); !synic) {
            return fail(fmt::format("enabling SynIC on vCPU {}", index), synic.error());
        }
        if (index == 0) {
            if (auto regs = set_boot_registers(*fd, entry, GuestAddress(layout::boot_params_start));
                !regs) {
                return fail("setting the boot vCPU's registers", regs.error());
            }
        }
        // The other vCPUs wait in the in-kernel LAPIC for Linux's INIT/SIPI.
        fds.push_back(std::move(fd).value());
    }
    return fds;
}

/// The VMBus host and its SynIC ports. After every vCPU has SynIC enabled: KVM binds a SINT route
/// to its vCPU's SynIC only when the routing table is installed.
std::optional<BuildError> attach_vmbus(Vm& vm, const VmConfig& config)
{
    auto ports = hyperv::SynicPorts::create(vm.vm_fd(), vm.memory(), config.machine.vcpus);
    if (!ports) {
        return fail("setting up SynIC interrupt routes", ports.error());
    }
    vm.set_synic_ports(std::make_unique<hyperv::SynicPorts>(std::move(ports).value()));
    auto host = VmbusHost::create(vm.vm_fd(), vm.memory(), *vm.synic_ports());
    if (!host) {
        return fail("starting the VMBus host", host.error());
    }
    vm.set_vmbus(std::move(host).value(), std::make_unique<vmbus::ic::ShutdownDevice>());
    return std::nullopt;
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

std::optional<BuildError> create_vcpus(Vm& vm, const VmConfig& config, GuestAddress entry)
{
    auto fds = create_vcpu_fds(vm, config, entry);
    if (auto* error = std::get_if<BuildError>(&fds)) {
        return *error;
    }
    if (auto error = attach_vmbus(vm, config)) {
        return error;
    }
    for (VcpuFd& fd : std::get<std::vector<VcpuFd>>(fds)) {
        vm.add_vcpu(std::make_unique<Vcpu>(
            std::move(fd), vm.io_bus(), vm, vm.memory(), vm.synic_ports(), vm.vmbus()));
    }
    return std::nullopt;
}

} // namespace

std::string default_cmdline(const VmConfig& config)
{
    std::string cmdline = "panic=-1 quiet";
    if (config.console.serial) {
        cmdline = "console=ttyS0 " + cmdline;
    }
    return cmdline;
}

Built build_vm(const VmConfig& config, BootTimeline* timeline)
{
    const auto mark = [timeline](const char* phase) {
        if (timeline) {
            timeline->mark(phase);
        }
    };
    auto memory = allocate_guest_memory(config);
    if (auto* error = std::get_if<BuildError>(&memory)) {
        return *error;
    }
    mark("guest_memory");
    auto entry = load_guest_image(std::get<GuestMemory>(memory), config);
    if (auto* error = std::get_if<BuildError>(&entry)) {
        return *error;
    }
    mark("kernel_and_initrd_loaded");

    // Before KVM: a socket path in use is the user's problem to fix.
    std::unique_ptr<VsockUnixListener> vsock_listener;
    if (!config.vsock.socket.empty()) {
        auto listener = VsockUnixListener::create(config.vsock.socket);
        if (!listener) {
            return bad_input(listener.error());
        }
        vsock_listener = std::move(listener).value();
    }

    auto kvm = Kvm::open();
    if (!kvm) {
        return fail("cannot use /dev/kvm", kvm.error());
    }
    if (auto error = check_host_limits(*kvm, config)) {
        return *error;
    }
    auto vm_fd = kvm->create_vm();
    if (!vm_fd) {
        return fail("creating the VM", vm_fd.error());
    }
    if (auto tss = vm_fd->set_tss_address(kvm_tss_address); !tss) {
        return fail("setting up the VM", tss.error());
    }
    if (auto irqchip = vm_fd->create_irqchip(); !irqchip) {
        return fail("creating the in-kernel irqchip", irqchip.error());
    }
    if (auto masked = vm_fd->mask_legacy_pic(); !masked) {
        return fail("masking the legacy PIC", masked.error());
    }
    mark("kvm_vm_and_irqchip");
    auto vm = std::make_unique<Vm>(
        std::move(kvm).value(), std::move(vm_fd).value(), std::move(std::get<GuestMemory>(memory)));
    if (auto error = map_guest_memory(*vm)) {
        return *error;
    }
    if (auto error = attach_legacy_devices(*vm, config)) {
        return *error;
    }
    if (auto error = create_vcpus(*vm, config, std::get<GuestAddress>(entry))) {
        return *error;
    }
    attach_vsock(*vm, std::move(vsock_listener));
    mark("vcpus_and_devices");
    return vm;
}

} // namespace vmm
