// SPDX-License-Identifier: Apache-2.0
// A user-supplied file (kernel, initramfs) mapped read-only, so loading it costs one copy: from
// the page cache into guest memory.
#pragma once
#include "vmm/base/mapping.h"
#include "vmm/core/build_error.h"

#include <span>
#include <string>

namespace vmm {

class FileImage {
public:
    /// Maps `path`. Fails with a BadInput error (the file is the user's) whose message names
    /// `role` and the path, e.g. "cannot read kernel '/x': No such file or directory".
    static Result<FileImage, BuildError> open(const std::string& path, const char* role);

    std::span<const std::byte> bytes() const { return { m_mapping.data(), m_mapping.size() }; }

private:
    explicit FileImage(Mapping mapping)
        : m_mapping(std::move(mapping))
    {
    }
    Mapping m_mapping;
};

} // namespace vmm
