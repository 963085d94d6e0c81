#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kiln/diagnostics.hpp"
#include "kiln/enum_names.hpp"
#include "kiln/source.hpp"
#include "kiln/yaml_tree.hpp"

// Typed reading of located YAML (profiles, inventories, /etc/kiln/image.yml), reporting every
// problem at its file:line:col instead of stopping at the first.
namespace kiln::yaml {

// Reads the fields of one YAML mapping into typed values, reporting every type error,
// missing key and (at finish) unknown key with its location instead of stopping.
class MapReader {
public:
    // `context` is the mapping's key path ("base.bootstrap"), the prefix of its keys in
    // messages; a document's top level has none and is called `document` ("the profile").
    MapReader(const Node& node, std::string context, Report& report,
              std::string document = "the document");
    ~MapReader();
    MapReader(const MapReader&) = delete;
    MapReader& operator=(const MapReader&) = delete;

    bool valid() const { return valid_; }
    const Location& location() const { return node_.location; }
    std::string path(std::string_view key) const;

    const Node* get(std::string_view key);  // marks the key as known
    const Node* require(std::string_view key);
    bool has(std::string_view key) const;
    void ignore(std::string_view key) { known_.insert(std::string(key)); }

    std::optional<Text> text(std::string_view key, bool required = false);
    TextList text_list(std::string_view key);
    std::optional<Located<long long>> integer(std::string_view key, long long min, long long max);
    std::optional<bool> boolean(std::string_view key);

    // A value named in E's name table (reported with every name it could have been).
    template <NamedEnum E>
    std::optional<E> choice(std::string_view key, bool required = false) {
        auto value = text(key, required);
        if (!value) return std::nullopt;
        if (auto e = parse_enum<E>(value->value)) return e;
        report_choice_error(key, *value, enum_names<E>());
        return std::nullopt;
    }

    // A text that must be one of `allowed` (reported like choice()).
    std::optional<Text> one_of(std::string_view key, const std::vector<std::string>& allowed);

    // Unknown keys become warnings with a "did you mean" hint; runs once, also from the dtor.
    void finish();

    Report& report() { return report_; }

private:
    void report_choice_error(std::string_view key, const Text& value,
                             const std::vector<std::string>& names);

    const Node& node_;
    std::string context_;
    std::string name_;  // the mapping in messages: its context, or the document's name
    Report& report_;
    std::set<std::string, std::less<>> known_;
    bool valid_ = true;
    bool finished_ = false;
};

// A scalar node as located text; reports and returns nullopt for lists, mappings, nothing.
// `expected` names what the value should have been ("an integer from 1 to 10") in the error
// for a list, a mapping or nothing.
std::optional<Text> as_text(const Node& node, const std::string& what, Report& report,
                            std::string_view expected = "a string");
TextList as_text_list(const Node& node, const std::string& what, Report& report);

}  // namespace kiln::yaml
