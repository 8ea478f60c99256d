// SPDX-License-Identifier: Apache-2.0
// The user's description of one VM: plain structs mirroring the TOML tables
// (docs/conventions.md#config-flow; [machine], [boot], [console]; later [[net]] and [[block]] as
// vectors), and the error type every config step reports. Only vmm/builder, vmm/main and vmm/cli
// read VmConfig; devices get their own small structs.
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

/// One VM. New sections become new members: `std::vector<NetConfig> net;` for [[net]] and
/// `std::vector<BlockConfig> block;` for [[block]], with key paths `net[1].mac` in errors.
struct VmConfig {
    MachineConfig machine;
    BootConfig boot;
    ConsoleConfig console;
    VsockConfig vsock;

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
