// SPDX-License-Identifier: Apache-2.0
// A user-supplied file (kernel, initramfs) mapped read-only, so loading it costs one copy: from
// the page cache into guest memory.
#pragma once
#include "base/mapping.h"

#include <span>
#include <string>
#include <variant>

namespace vmm {

class FileImage {
public:
    /// Maps `path`. On failure returns a sentence naming `role` and the path, e.g.
    /// "cannot read kernel '/x': No such file or directory".
    static std::variant<FileImage, std::string> open(const std::string& path, const char* role);

    std::span<const std::byte> bytes() const { return { m_mapping.data(), m_mapping.size() }; }

private:
    explicit FileImage(Mapping mapping)
        : m_mapping(std::move(mapping))
    {
    }
    Mapping m_mapping;
};

} // namespace vmm
