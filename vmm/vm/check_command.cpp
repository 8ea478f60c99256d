// SPDX-License-Identifier: Apache-2.0
#include "vmm/vm/check_command.h"
#include "vmm/cli/exit_status.h"

#include "vmm/host_check/report_format.h"
#include "vmm/vm/host_probe.h"

#include <fmt/core.h>

namespace vmm {

int check_host(const CheckRequest& request)
{
    const host::HostFacts facts = host::probe_host();
    const host::HostReport report = host::evaluate(facts);
    fmt::print("{}", request.json ? host::format_json(report, facts) : host::format_text(report));
    return report.ready() ? exit_ok : exit_host_not_ready;
}

} // namespace vmm
