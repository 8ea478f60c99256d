// SPDX-License-Identifier: Apache-2.0
// Internal to partvm_config: reads one TOML table against the schema that parse_toml.cpp spells
// out in code, collecting every error (wrong type, unknown key) instead of stopping at the first.
// Includes toml++ (through tomlpp.h), so only partvm_config sources may include it.
#pragma once
#include "vmm/config/parse_toml.h"
#include "vmm/config/vm_config.h"

#include "vmm/config/tomlpp.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vmm::toml_config {

/// The errors and key positions gathered while reading one file.
class Diagnostics {
public:
    /// sources may be null; if not, it must outlive this object.
    Diagnostics(std::string_view file, ConfigSourceMap* sources);

    void error(const toml::source_region& where, std::string key_path, std::string message);
    /// Remembers where key_path's value sits, for errors found after parsing.
    void record(const std::string& key_path, const toml::source_region& where);
    bool has_errors() const { return !m_errors.empty(); }
    /// The errors sorted by line and column; leaves this object empty.
    std::vector<ConfigError> take_errors();

private:
    std::string m_file;
    ConfigSourceMap* m_sources;
    std::vector<ConfigError> m_errors;
};

/// Typed, error-collecting access to one table. Each read_* call declares its key known, so call
/// them for every key of the schema (present or not), then report_unknown_keys() once.
class TableReader {
public:
    /// path is the table's key path ("machine", "disk[1]"); empty for the root table.
    TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics);

    /// Each returns nullopt if the key is absent or holds the wrong type (which is reported).
    std::optional<std::string> read_string(std::string_view key);
    std::optional<int64_t> read_integer(std::string_view key);
    std::optional<bool> read_bool(std::string_view key);
    std::optional<TableReader> read_table(std::string_view key);
    /// An array of tables ([[disk]]): one reader per element, with the path "disk[0]", "disk[1]"
    /// (0-based). Anything else under the key is a type error naming `header` ("[[disk]]").
    std::vector<TableReader> read_table_array(std::string_view key, std::string_view header);
    /// For keys that accept several types: the raw node, or null if absent. The caller reports
    /// type errors with type_error().
    const toml::node* read_node(std::string_view key);

    /// "machine.vcpus: expected an integer, got string". expected includes its article.
    void type_error(std::string_view key, const toml::node& value, std::string_view expected);
    /// An error about a value of the right type ("machine.memory: invalid memory size ...").
    void value_error(std::string_view key, const toml::node& value, std::string message);
    /// A required key the table lacks, reported at the table itself ("disk[0].path: missing ...").
    void missing_key(std::string_view key, std::string message);
    /// Reports each key of the table no read_* call asked for, suggesting the closest known key.
    void report_unknown_keys();

    std::string key_path(std::string_view key) const;

private:
    const toml::node* lookup(std::string_view key);
    /// The value if the key holds a T; a type error naming `expected` if it holds another type.
    template<class T> std::optional<T> read_as(std::string_view key, const char* expected);

    const toml::table* m_table;
    std::string m_path;
    Diagnostics* m_diagnostics;
    std::vector<std::string> m_known_keys;
};

/// "string", "integer", "float", "boolean", "table", "array", "date", "time", "date-time".
std::string_view type_name(toml::node_type type);

} // namespace vmm::toml_config
