#include <type_traits>

#include "kiln/sha256.hpp"
#include "plan/operation.hpp"

namespace kiln::plan {

namespace {

// One canonical text per member type, as the digest and `kiln plan --json` show it.
std::string canonical(const Text& text) {
    return text.value;
}
std::string canonical(const std::optional<Text>& text) {
    return text ? text->value : "";
}
std::string canonical(const TextList& list) {
    std::string out;
    for (const auto& item : list) out += (out.empty() ? "" : " ") + item.value;
    return out;
}
std::string canonical(bool flag) {
    return flag ? "1" : "0";
}
std::string canonical(int number) {
    return std::to_string(number);
}
std::string canonical(std::int64_t number) {
    return std::to_string(number);
}
std::string canonical(const profile::Located<unsigned long long>& number) {
    return std::to_string(number.value);
}
std::string canonical(const HostContent& content) {
    return content.digest;
}
std::string canonical(const std::map<std::string, Text>& map) {
    std::string out;
    for (const auto& [key, value] : map) out += key + "=" + value.value + "\n";
    return out;
}
std::string canonical(const std::map<std::string, std::string>& map) {
    std::string out;
    for (const auto& [key, value] : map) out += key + "=" + value + "\n";
    return out;
}
// failover::Timing's canonical() is found in its own namespace.
template <class Enum>
requires std::is_enum_v<Enum> std::string canonical(Enum value) {
    return to_string(value);
}

// The input members, flattening groups (a present OvfDescription adds its own inputs).
struct InputCollector {
    std::vector<std::pair<std::string, std::string>> inputs;

    template <class T>
    void operator()(Naming, const T&) {}
    template <class T>
    void operator()(Unhashed, const T&) {}
    template <class T>
    void operator()(Input field, const T& value) {
        if constexpr (HasFields<T>) {
            T::fields(value, *this);
        } else if constexpr (OptionalGroup<T>) {
            if (value) T::value_type::fields(*value, *this);
        } else {
            inputs.emplace_back(field.key, canonical(value));
        }
    }
};

}  // namespace

std::string name_of(const Action& action) {
    return std::visit([](const auto& a) { return a.operation_name(); }, action);
}

std::vector<std::pair<std::string, std::string>> inputs_of(const Action& action) {
    return std::visit(
        [](const auto& a) {
            InputCollector collector;
            std::decay_t<decltype(a)>::fields(a, collector);
            return std::move(collector.inputs);
        },
        action);
}

std::string digest_of(const Action& action) {
    Sha256 hash;
    hash.field(name_of(action));
    for (const auto& [key, value] : inputs_of(action)) hash.field(key).field(value);
    return hash.hex_digest();
}

}  // namespace kiln::plan
