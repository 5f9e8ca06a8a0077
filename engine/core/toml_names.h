// Words for TOML value types in error messages, for the modules that read
// TOML (calendar, workflow). Header-only: include it only where toml++ is.
#pragma once

#include <toml++/toml.h>

#include <string_view>

namespace duban {

// "a string", "an array", ...; "nothing" for a missing value.
inline std::string_view TomlTypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "a value";
}

}  // namespace duban
