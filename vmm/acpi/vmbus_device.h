// SPDX-License-Identifier: Apache-2.0
// The DSDT node hv_vmbus binds to (drivers/hv/vmbus_drv.c; docs/vmbus.md#the-acpi-node).
#pragma once
#include "vmm/acpi/aml.h"

namespace vmm::acpi {

/// Device(VMBS) with _HID "VMBus" (the string Linux matches; not an EISA id), _UID 0 and an empty
/// _CRS. The _CRS must exist or vmbus_acpi_add() fails; it stays empty because storvsc, netvsc,
/// hv_sock and hv_utils need no MMIO, and x86 ignores its interrupts.
Bytes vmbus_device();

} // namespace vmm::acpi
