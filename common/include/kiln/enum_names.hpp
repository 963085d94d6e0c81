#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

// The names of an enum's values, written once in a table beside the enum:
//
//   enum class Filesystem { ext4, xfs };
//   constexpr auto name_table(Filesystem) {
//       using enum Filesystem;
//       return std::to_array<EnumName<Filesystem>>({{ext4, "ext4"}, {xfs, "xfs"}});
//   }
//
// The table (found by argument-dependent lookup) gives to_string(), parse_enum<E>() and the
// hint "one of ext4, xfs" that error messages use.
namespace kiln {

template <class E>
struct EnumName {
    E value;
    std::string_view name;
};

template <class E>
concept NamedEnum = std::is_enum_v<E> && requires(E value) {
    name_table(value);
};

template <NamedEnum E>
std::string to_string(E value) {
    for (const auto& entry : name_table(E{}))
        if (entry.value == value) return std::string(entry.name);
    return "?";
}

template <NamedEnum E>
std::optional<E> parse_enum(std::string_view text) {
    for (const auto& entry : name_table(E{}))
        if (entry.name == text) return entry.value;
    return std::nullopt;
}

// Every name, in table order.
template <NamedEnum E>
std::vector<std::string> enum_names() {
    std::vector<std::string> names;
    for (const auto& entry : name_table(E{})) names.emplace_back(entry.name);
    return names;
}

// "one of a, b, c": what a value must be, in error messages.
std::string one_of(const std::vector<std::string>& names);

template <NamedEnum E>
std::string one_of() {
    return one_of(enum_names<E>());
}

}  // namespace kiln
