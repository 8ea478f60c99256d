// SPDX-License-Identifier: Apache-2.0
#include "vmm/acpi/vmbus_device.h"

namespace vmm::acpi {

Bytes vmbus_device()
{
    return aml::device("VMBS",
        {
            aml::name("_HID", aml::string("VMBus")),
            aml::name("_UID", aml::integer(0)),
            aml::name("_CRS", aml::resource_template({})),
        });
}

} // namespace vmm::acpi
