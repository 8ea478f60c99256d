// SPDX-License-Identifier: Apache-2.0
#include "jailer/cgroup.h"

#include "jailer/cgroup_layout.h"
#include "jailer/file_util.h"
#include "jailer/options.h"

#include <algorithm>
#include <charconv>
#include <fcntl.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace jail {
namespace {

/// Enables the required controllers for the children of `dir`, writing only the missing ones.
Result<void> enable_controllers(const std::string& dir)
{
    const std::string file = dir + "/cgroup.subtree_control";
    const std::string enabled = TRY(read_file(file));
    std::string request;
    for (const std::string& name : jail::missing_names(enabled, jail::jail_controllers)) {
        request += (request.empty() ? "+" : " +") + name;
    }
    if (!request.empty()) {
        TRY(write_file(file, request));
    }
    return {};
}

} // namespace

MemoryEvents parse_memory_events(std::string_view text)
{
    MemoryEvents events;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        const std::vector<std::string_view> fields
            = jail::split_words(text.substr(start, end - start));
        start = end + 1;
        uint64_t value = 0;
        if (fields.size() != 2) {
            continue;
        }
        const std::string_view number = fields[1];
        auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
        if (ec != std::errc() || ptr != number.data() + number.size()) {
            continue;
        }
        if (fields[0] == "max") {
            events.max = value;
        } else if (fields[0] == "oom") {
            events.oom = value;
        } else if (fields[0] == "oom_kill") {
            events.oom_kill = value;
        }
    }
    return events;
}

Result<void> check_cgroup2()
{
    const std::string problem = jail::jail_cgroup_problem(jail::probe_cgroup());
    if (!problem.empty()) {
        return JailError::failure(problem + "; " + std::string(jail::no_jail_gives_up));
    }
    return {};
}

Result<CgroupLeaf> CgroupLeaf::create(const std::string& parent, const std::string& id)
{
    std::string dir = cgroup_root;
    TRY(enable_controllers(dir));
    // Parents are shared by every VM and stay; only the leaf belongs to this one.
    size_t start = 0;
    while (start < parent.size()) {
        const size_t end = std::min(parent.find('/', start), parent.size());
        dir += "/" + parent.substr(start, end - start);
        start = end + 1;
        if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) {
            return JailError::from_errno("cannot create cgroup " + dir);
        }
        TRY(enable_controllers(dir));
    }
    const std::string leaf = dir + "/" + id;
    if (::mkdir(leaf.c_str(), 0755) < 0) {
        if (errno == EEXIST) {
            return JailError::failure("cgroup " + leaf + " already exists: another VM with id " + id
                + " is running (or a killed jailer left it behind: rmdir it)");
        }
        return JailError::from_errno("cannot create cgroup " + leaf);
    }
    vmm::UniqueFd fd(::open(leaf.c_str(), O_DIRECTORY | O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        const int error = errno;
        ::rmdir(leaf.c_str());
        return JailError::with_errno("cannot open cgroup " + leaf, error);
    }
    return CgroupLeaf(leaf, std::move(fd));
}

CgroupLeaf::~CgroupLeaf()
{
    if (m_dir.valid() && !m_removed) {
        (void)remove();
    }
}

Result<void> CgroupLeaf::apply(const CgroupSetting& setting)
{
    const std::string what = "--cgroup " + setting.key + "=" + setting.value;
    vmm::UniqueFd fd(::openat(m_dir.get(), setting.key.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd.valid()) {
        if (errno == ENOENT) {
            return JailError::usage(what + ": the cgroup has no file " + setting.key
                + " (unknown key, or its controller is not enabled)");
        }
        return JailError::from_errno(what + ": cannot open " + m_path + "/" + setting.key);
    }
    const ssize_t n = ::write(fd.get(), setting.value.data(), setting.value.size());
    if (n < 0) {
        const int error = errno;
        const bool bad_value = error == EINVAL || error == ERANGE || error == EOVERFLOW;
        JailError failure = JailError::with_errno(what + ": the kernel refused the value", error);
        if (bad_value) {
            failure.exit_status = exit_usage;
        }
        return failure;
    }
    return {};
}

Result<vmm::UniqueFd> CgroupLeaf::open_procs() const
{
    vmm::UniqueFd fd(::openat(m_dir.get(), "cgroup.procs", O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return JailError::from_errno("cannot open " + m_path + "/cgroup.procs");
    }
    return fd;
}

Result<std::string> CgroupLeaf::read(const char* file) const
{
    vmm::UniqueFd fd(::openat(m_dir.get(), file, O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return JailError::from_errno("cannot open " + m_path + "/" + file);
    }
    return read_all(fd.get(), m_path + "/" + file);
}

Result<void> CgroupLeaf::remove()
{
    using namespace std::chrono_literals;
    m_removed = true;
    m_dir.reset();
    // The reaped VMM's cgroup exit can lag its wait status by a little; 2 s is ample.
    for (int attempt = 0;; ++attempt) {
        if (::rmdir(m_path.c_str()) == 0 || errno == ENOENT) {
            return {};
        }
        if (errno != EBUSY || attempt == 200) {
            return JailError::from_errno("cannot remove cgroup " + m_path);
        }
        std::this_thread::sleep_for(10ms);
    }
}

} // namespace jail
