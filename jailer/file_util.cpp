// SPDX-License-Identifier: Apache-2.0
#include "jailer/file_util.h"

#include "base/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

namespace jail {

Result<std::string> read_all(int fd, const std::string& name)
{
    std::string content;
    char buffer[4096];
    while (true) {
        const ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return JailError::from_errno("cannot read " + name);
        }
        if (n == 0) {
            return content;
        }
        content.append(buffer, static_cast<size_t>(n));
    }
}

Result<std::string> read_file(const std::string& path)
{
    vmm::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return JailError::from_errno("cannot open " + path);
    }
    return read_all(fd.get(), path);
}

Result<void> write_file(const std::string& path, std::string_view content)
{
    vmm::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return JailError::from_errno("cannot open " + path);
    }
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
        return JailError::from_errno("cannot write '" + std::string(content) + "' to " + path);
    }
    return {};
}

} // namespace jail
