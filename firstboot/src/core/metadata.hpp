#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/enum_names.hpp"
#include "kiln/source.hpp"

// Node metadata as collected: every value keeps its key, the transport it came from and
// where in that transport (a guestinfo key, a property, a file line), so that every error can
// name both.
namespace kiln::firstboot {

// In precedence order: a lower value wins over a higher one.
enum class Transport { guestinfo, ovf, cloud_init, fw_cfg, file, defaults };
constexpr auto name_table(Transport) {
    using enum Transport;
    return std::to_array<EnumName<Transport>>({{guestinfo, "guestinfo"},
                                               {ovf, "OVF environment"},
                                               {cloud_init, "cloud-init metadata"},
                                               {fw_cfg, "fw_cfg"},
                                               {file, "metadata file"},
                                               {defaults, "image defaults"}});
}

struct Value {
    std::string key;
    std::string text;
    Transport transport{};
    Location where;  // e.g. "guestinfo.kiln.priority", "guestinfo.metadata:4:12"
};

// What every transport produced, highest precedence first after merge().
class Metadata {
public:
    void add(Value value) { all_.push_back(std::move(value)); }
    const std::vector<Value>& all() const { return all_; }

    // The winning value of every key: the one from the highest-precedence transport
    // (within a transport, the first one added).
    std::map<std::string, const Value*> merged() const;
    const Value* get(std::string_view key) const;

    // Digest of the winning values (keys, texts): what the stamp compares.
    std::string digest() const;

private:
    std::vector<Value> all_;
};

// "'priority' from guestinfo"
std::string describe(const Value& value);

}  // namespace kiln::firstboot
