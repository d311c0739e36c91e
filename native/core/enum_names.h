// Enums whose names TypeScript sees (port types, poll modes). Each is an X-macro
// list, X(enumerator, name); NS_NAMED_ENUM makes from it the enum (values 0, 1, …
// in list order) and the table of names in the same order, which the addon parses
// arguments with (enum_from_name) and exports to TypeScript.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#define NS_ENUMERATOR_(name, text) name,
#define NS_ENUM_NAME_(name, text) #text,
#define NS_NAMED_ENUM(Enum, LIST, names)              \
  enum class Enum : uint8_t { LIST(NS_ENUMERATOR_) }; \
  inline constexpr const char* names[] = {LIST(NS_ENUM_NAME_)}

namespace nodeswitch {

// False when `text` is none of the names.
template <typename E, size_t N>
bool enum_from_name(const char* const (&names)[N], const std::string& text, E* out) {
  for (size_t i = 0; i < N; i++) {
    if (text == names[i]) {
      *out = E(i);
      return true;
    }
  }
  return false;
}

}  // namespace nodeswitch
