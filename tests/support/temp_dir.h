// SPDX-License-Identifier: Apache-2.0
// A scratch directory for tests, unit and integration alike: made under the system's temporary
// directory, removed with everything in it when the object dies. Failures throw, so inside a
// doctest case they fail that case with the reason.
#pragma once
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

namespace partvm_test {

class TempDir {
public:
    /// The directory is named `prefix`-XXXXXX, so one left behind says which test made it.
    explicit TempDir(std::string_view prefix = "partvm-test")
    {
        std::string pattern
            = (std::filesystem::temp_directory_path() / prefix).string() + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::filesystem::filesystem_error(
                "mkdtemp", pattern, std::error_code(errno, std::generic_category()));
        }
        m_path = pattern;
    }
    ~TempDir()
    {
        std::error_code ignored; // A destructor must not throw; a leftover is only untidy.
        std::filesystem::remove_all(m_path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return m_path; }
    /// Where `name` is (or would be) inside the directory; nothing is created.
    std::string file(std::string_view name) const { return m_path + "/" + std::string(name); }

    /// Writes `content` (any bytes) to path()/name and returns the full path.
    std::string write_file(std::string_view name, std::string_view content) const
    {
        const std::string full = file(name);
        std::ofstream out(full, std::ios::binary);
        out << content;
        out.close();
        if (!out) {
            throw std::filesystem::filesystem_error(
                "cannot write", full, std::make_error_code(std::errc::io_error));
        }
        return full;
    }

private:
    std::string m_path;
};

} // namespace partvm_test
