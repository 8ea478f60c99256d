// SPDX-License-Identifier: Apache-2.0
// The user's description of one VM: plain structs mirroring the TOML tables
// (docs/conventions.md#config-flow; [machine], [boot], [console], [vsock], and [[disk]] as a
// vector; later [[net]] too), and the error type every config step reports. Only vmm/builder,
// vmm/main and vmm/cli read VmConfig; devices get their own small structs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vmm {

/// Host-independent limits that validate() enforces. The VMM checks the host's own limits
/// (KVM_CAP_MAX_VCPUS, available RAM) later, when it creates the VM.
inline constexpr uint32_t max_vcpus = 254; // 8-bit xAPIC ids in the MADT; 0xff is broadcast.
inline constexpr uint32_t max_shutdown_timeout_s = 3600;
inline constexpr uint64_t min_memory_bytes = 16ull << 20; // 16 MiB
inline constexpr uint64_t max_memory_bytes = 1ull << 40; // 1 TiB
/// Guest RAM is mapped in whole 4 KiB pages.
inline constexpr uint64_t memory_granule = 4096;
/// The hybrid vsock socket's path, and PATH_<port> beside it, must fit a sockaddr_un (108 bytes
/// with the NUL; "_" and up to 10 port digits).
inline constexpr size_t max_vsock_socket_path = 108 - 1 - 11;
/// The guest sees the disks as LUNs 0..N-1 of one SCSI target (docs/disks.md).
inline constexpr size_t max_disks = 64;
/// A disk's serial is its SCSI identity (VPD pages 0x80 and 0x83); the device serves at most this
/// many bytes. vmbus::scsi::max_serial_size is the same limit; the builder static_asserts that.
inline constexpr size_t max_disk_serial_size = 32;

/// [machine]: guest RAM and vCPUs.
struct MachineConfig {
    uint64_t memory_bytes { 256ull << 20 }; ///< 256 MiB
    uint32_t vcpus { 2 };
    /// How long a stop request (SIGTERM, SIGINT, SIGHUP) waits for the guest to shut down by
    /// itself (Hyper-V shutdown service) before the VM is stopped hard. 0: stop at once.
    uint32_t shutdown_timeout_s { 10 };

    bool operator==(const MachineConfig&) const = default;
};

/// [boot]: what to load into the guest. Paths that came from a TOML file are already resolved
/// against that file's directory; paths from flags are as given (relative to the working
/// directory).
struct BootConfig {
    std::string kernel; ///< bzImage path; required (validate() reports it missing).
    std::string initrd; ///< Empty means no initrd.
    std::string cmdline;
    /// True when the user gave a command line, even an empty one; false lets the builder use its
    /// default command line.
    bool cmdline_set { false };

    bool operator==(const BootConfig&) const = default;
};

/// [console]: guest console devices.
struct ConsoleConfig {
    bool serial { false }; ///< Legacy 8250 UART on COM1, wired to the VMM's stdout.

    bool operator==(const ConsoleConfig&) const = default;
};

/// [vsock]: AF_VSOCK to host programs, through Unix sockets as Firecracker does.
struct VsockConfig {
    /// Empty: no Unix front end. Otherwise partvm listens here for "CONNECT <port>\n" from host
    /// programs, and sends guest connects to port P to the socket at "<socket>_P".
    std::string socket;

    bool operator==(const VsockConfig&) const = default;
};

/// One [[disk]] (or --disk): a disk image or block device served to the guest as a SCSI disk.
/// Not vmbus::scsi::DiskConfig, which is what the device tells the guest; the builder makes that
/// one from this and the opened file (vmm/disk_image).
struct DiskConfig {
    std::string path; ///< Required. From a TOML file: resolved against the file's directory.
    bool read_only { false }; ///< Opened O_RDONLY; the guest sees a write-protected disk.
    /// Empty: disk_serial() gives the default "partvm-disk-<index>".
    std::string serial;
    bool direct { false }; ///< O_DIRECT: bypass the host's page cache.

    bool operator==(const DiskConfig&) const = default;
};

/// The serial the guest sees for disks[index]: its own, else "partvm-disk-<index>" (the index is
/// also its LUN, so the default is stable while the order of the disks is).
std::string disk_serial(const DiskConfig& disk, size_t index);

/// One VM. New sections become new members: `std::vector<NetConfig> net;` for [[net]], like
/// `disks` for [[disk]], with key paths `disk[1].path` (0-based, the LUN) in errors.
struct VmConfig {
    MachineConfig machine;
    BootConfig boot;
    ConsoleConfig console;
    VsockConfig vsock;
    std::vector<DiskConfig> disks; ///< [[disk]] in file order, then each --disk.

    bool operator==(const VmConfig&) const = default;
};

/// One problem in the user's configuration (docs/conventions.md#errors: all of them are reported
/// at once and the VMM exits with status 2 before any KVM work).
struct ConfigError {
    std::string file; ///< Config file or empty (flags, programmatic config).
    uint32_t line { 0 }; ///< 1-based; 0 when unknown.
    uint32_t column { 0 }; ///< 1-based; 0 when unknown.
    std::string key_path; ///< "machine.vcpus", "net[1].mac", a flag like "--memory", or empty.
    std::string message;

    /// "vm.toml:3:1: machine.memroy: unknown key ..."; empty parts and their separators are left
    /// out ("vm.toml: cannot read: ...", "boot.kernel: ...").
    std::string to_string() const;

    bool operator==(const ConfigError&) const = default;
};

} // namespace vmm
