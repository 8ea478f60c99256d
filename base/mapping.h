// SPDX-License-Identifier: Apache-2.0
// Move-only owner of an mmap()ed range; munmaps on destruction.
#pragma once
#include "base/result.h"

#include <cstddef>
#include <sys/mman.h>
#include <utility>

namespace vmm {

class Mapping {
public:
    Mapping() = default;
    Mapping(void* address, size_t size)
        : m_address(address)
        , m_size(size)
    {
    }
    Mapping(Mapping&& other) noexcept
        : m_address(std::exchange(other.m_address, nullptr))
        , m_size(std::exchange(other.m_size, 0))
    {
    }
    Mapping& operator=(Mapping&& other) noexcept
    {
        if (this != &other) {
            unmap();
            m_address = std::exchange(other.m_address, nullptr);
            m_size = std::exchange(other.m_size, 0);
        }
        return *this;
    }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
    ~Mapping() { unmap(); }

    /// mmap() wrapper; `what` names the mapping in the error.
    static Result<Mapping> map(
        size_t size, int prot, int flags, int fd, off_t offset, const char* what)
    {
        void* address = ::mmap(nullptr, size, prot, flags, fd, offset);
        if (address == MAP_FAILED) {
            return Error::from_errno(what);
        }
        return Mapping(address, size);
    }

    std::byte* data() const { return static_cast<std::byte*>(m_address); }
    size_t size() const { return m_size; }
    template<class T> T* as() const { return static_cast<T*>(m_address); }

private:
    void unmap()
    {
        if (m_address) {
            ::munmap(m_address, m_size);
        }
    }
    void* m_address { nullptr };
    size_t m_size { 0 };
};

} // namespace vmm
