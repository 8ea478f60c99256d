// SPDX-License-Identifier: Apache-2.0
// A user-supplied file (kernel, initramfs) mapped read-only, so loading it costs one copy: from
// the page cache into guest memory.
#pragma once
#include "base/mapping.h"

#include <span>
#include <string>

namespace vmm {

/// Why a user's file cannot be used: one sentence naming its role and path, e.g.
/// "cannot read kernel '/x': No such file or directory". Always the user's input to fix.
struct FileImageError {
    std::string message;
};

class FileImage {
public:
    /// Maps `path`, a regular, non-empty file.
    static Result<FileImage, FileImageError> open(const std::string& path, const char* role);

    std::span<const std::byte> bytes() const { return { m_mapping.data(), m_mapping.size() }; }

private:
    explicit FileImage(Mapping mapping)
        : m_mapping(std::move(mapping))
    {
    }
    Mapping m_mapping;
};

} // namespace vmm
