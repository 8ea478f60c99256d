// SPDX-License-Identifier: Apache-2.0
// Error-collecting TOML table access for parse_toml.cpp (see toml_reader.h).
#include "vmm/config/toml_reader.h"

#include "vmm/config/suggest.h"

#include <fmt/core.h>

#include <algorithm>

namespace vmm::toml_config {
namespace {

ConfigSourceMap::Location location_of(const toml::source_region& where)
{
    return { where.begin.line, where.begin.column };
}

std::string join(const std::vector<std::string>& words)
{
    std::string joined;
    for (const std::string& word : words) {
        joined += joined.empty() ? "" : ", ";
        joined += word;
    }
    return joined;
}

} // namespace

Diagnostics::Diagnostics(std::string_view file, ConfigSourceMap* sources)
    : m_file(file)
    , m_sources(sources)
{
    if (m_sources) {
        m_sources->file = m_file;
    }
}

void Diagnostics::error(const toml::source_region& where, std::string key_path, std::string message)
{
    ConfigSourceMap::Location at = location_of(where);
    m_errors.push_back(ConfigError {
        .file = m_file,
        .line = at.line,
        .column = at.column,
        .key_path = std::move(key_path),
        .message = std::move(message),
    });
}

void Diagnostics::record(const std::string& key_path, const toml::source_region& where)
{
    if (m_sources) {
        m_sources->keys.insert_or_assign(key_path, location_of(where));
    }
}

std::vector<ConfigError> Diagnostics::take_errors()
{
    // toml++ tables iterate in key order, not file order; users read errors top to bottom.
    std::stable_sort(m_errors.begin(), m_errors.end(), [](const auto& a, const auto& b) {
        return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    return std::move(m_errors);
}

TableReader::TableReader(const toml::table& table, std::string path, Diagnostics& diagnostics)
    : m_table(&table)
    , m_path(std::move(path))
    , m_diagnostics(&diagnostics)
{
}

std::string TableReader::key_path(std::string_view key) const
{
    return m_path.empty() ? std::string(key) : fmt::format("{}.{}", m_path, key);
}

const toml::node* TableReader::lookup(std::string_view key)
{
    m_known_keys.emplace_back(key);
    const toml::node* node = m_table->get(key);
    if (node) {
        m_diagnostics->record(key_path(key), node->source());
    }
    return node;
}

const toml::node* TableReader::read_node(std::string_view key)
{
    return lookup(key);
}

template<class T> std::optional<T> TableReader::read_as(std::string_view key, const char* expected)
{
    const toml::node* node = lookup(key);
    if (!node) {
        return std::nullopt;
    }
    if (const auto* value = node->as<T>()) {
        return value->get();
    }
    type_error(key, *node, expected);
    return std::nullopt;
}

std::optional<std::string> TableReader::read_string(std::string_view key)
{
    return read_as<std::string>(key, "a string");
}

std::optional<int64_t> TableReader::read_integer(std::string_view key)
{
    return read_as<int64_t>(key, "an integer");
}

std::optional<bool> TableReader::read_bool(std::string_view key)
{
    return read_as<bool>(key, "a boolean (true or false)");
}

std::optional<TableReader> TableReader::read_table(std::string_view key)
{
    const toml::node* node = lookup(key);
    if (!node) {
        return std::nullopt;
    }
    if (const auto* table = node->as_table()) {
        return TableReader(*table, key_path(key), *m_diagnostics);
    }
    type_error(key, *node, "a table");
    return std::nullopt;
}

std::vector<TableReader> TableReader::read_table_array(
    std::string_view key, std::string_view header)
{
    std::vector<TableReader> tables;
    const toml::node* node = lookup(key);
    if (!node) {
        return tables;
    }
    const auto* array = node->as_array();
    if (!array) {
        type_error(key, *node, fmt::format("an array of tables ({} headers)", header));
        return tables;
    }
    for (size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const std::string element_path = fmt::format("{}[{}]", key_path(key), i);
        if (const auto* table = element.as_table()) {
            m_diagnostics->record(element_path, element.source());
            tables.emplace_back(*table, element_path, *m_diagnostics);
        } else {
            m_diagnostics->error(element.source(), element_path,
                fmt::format(
                    "expected a table ({} header), got {}", header, type_name(element.type())));
        }
    }
    return tables;
}

void TableReader::type_error(
    std::string_view key, const toml::node& value, std::string_view expected)
{
    value_error(key, value, fmt::format("expected {}, got {}", expected, type_name(value.type())));
}

void TableReader::value_error(std::string_view key, const toml::node& value, std::string message)
{
    m_diagnostics->error(value.source(), key_path(key), std::move(message));
}

void TableReader::missing_key(std::string_view key, std::string message)
{
    m_diagnostics->error(m_table->source(), key_path(key), std::move(message));
}

void TableReader::report_unknown_keys()
{
    for (const auto& [key, node] : *m_table) {
        std::string_view name = key.str();
        if (std::find(m_known_keys.begin(), m_known_keys.end(), name) != m_known_keys.end()) {
            continue;
        }
        std::string message = node.is_table() ? "unknown table" : "unknown key";
        if (auto suggestion = closest_match(name, m_known_keys)) {
            message += fmt::format(" (did you mean '{}'?)", *suggestion);
        } else if (!m_known_keys.empty()) {
            message += fmt::format(" (expected one of: {})", join(m_known_keys));
        }
        // Keys made by the parser for dotted names may lack a position; the value has one.
        const toml::source_region& where = key.source().begin ? key.source() : node.source();
        m_diagnostics->error(where, key_path(name), std::move(message));
    }
}

std::string_view type_name(toml::node_type type)
{
    switch (type) {
    case toml::node_type::none:
        return "nothing";
    case toml::node_type::table:
        return "table";
    case toml::node_type::array:
        return "array";
    case toml::node_type::string:
        return "string";
    case toml::node_type::integer:
        return "integer";
    case toml::node_type::floating_point:
        return "float";
    case toml::node_type::boolean:
        return "boolean";
    case toml::node_type::date:
        return "date";
    case toml::node_type::time:
        return "time";
    case toml::node_type::date_time:
        return "date-time";
    }
    return "value";
}

} // namespace vmm::toml_config
