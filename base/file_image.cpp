// SPDX-License-Identifier: Apache-2.0
#include "base/file_image.h"
#include "base/unique_fd.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>

namespace vmm {

Result<FileImage, FileImageError> FileImage::open(const std::string& path, const char* role)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) {
        return FileImageError { fmt::format(
            "cannot read {} '{}': {}", role, path, std::strerror(errno)) };
    }
    struct stat status { };
    if (::fstat(fd.get(), &status) < 0) {
        return FileImageError { fmt::format(
            "cannot read {} '{}': {}", role, path, std::strerror(errno)) };
    }
    if (!S_ISREG(status.st_mode)) {
        return FileImageError { fmt::format("{} '{}' is not a regular file", role, path) };
    }
    if (status.st_size == 0) {
        return FileImageError { fmt::format("{} '{}' is empty", role, path) };
    }
    auto mapping = Mapping::map(
        static_cast<size_t>(status.st_size), PROT_READ, MAP_PRIVATE, fd.get(), 0, "mapping");
    if (!mapping) {
        return FileImageError { fmt::format(
            "cannot read {} '{}': {}", role, path, mapping.error().message()) };
    }
    return FileImage(std::move(mapping).value());
}

} // namespace vmm
