// An enum's external names as one table of {value, name} rows: the single
// place its spelling is written, read both ways. Used by the model's enums
// (RequestStatus, MaterialState, Guard, ...) and the store's DeliveryState.
//
// Thread-safety: pure functions over constant tables; any thread may call them.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace duban {

template <typename E>
struct EnumName {
  E value;
  std::string_view name;
};

// The name `table` gives `value`; `fallback` for a value it lacks.
template <typename E, std::size_t N>
constexpr std::string_view NameIn(const std::array<EnumName<E>, N>& table, E value,
                                  std::string_view fallback) {
  for (const EnumName<E>& row : table)
    if (row.value == value) return row.name;
  return fallback;
}

// The value `table` names `name` exactly; nullopt for a name it lacks.
template <typename E, std::size_t N>
constexpr std::optional<E> ValueIn(const std::array<EnumName<E>, N>& table,
                                   std::string_view name) {
  for (const EnumName<E>& row : table)
    if (row.name == name) return row.value;
  return std::nullopt;
}

}  // namespace duban
