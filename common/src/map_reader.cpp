#include "kiln/map_reader.hpp"

#include <algorithm>

#include "kiln/grammar.hpp"

namespace kiln::yaml {

MapReader::MapReader(const Node& node, std::string context, Report& report, std::string document)
    : node_(node),
      context_(std::move(context)),
      name_(context_.empty() ? std::move(document) : context_),
      report_(report) {
    if (!node_.is_mapping()) {
        report_.error(node_.location,
                      "'" + name_ + "' must be a mapping, found " + std::string(kind_name(node_)));
        valid_ = false;
    }
}

MapReader::~MapReader() {
    finish();
}

std::string MapReader::path(std::string_view key) const {
    return context_.empty() ? std::string(key) : context_ + "." + std::string(key);
}

const Node* MapReader::get(std::string_view key) {
    known_.insert(std::string(key));
    if (!valid_) return nullptr;
    return node_.find(key);
}

bool MapReader::has(std::string_view key) const {
    return valid_ && node_.find(key) != nullptr;
}

const Node* MapReader::require(std::string_view key) {
    const Node* value = get(key);
    if (!value && valid_) {
        report_.error(node_.location,
                      "missing required key '" + std::string(key) + "' in '" + name_ + "'");
    }
    return value;
}

std::optional<Text> as_text(const Node& node, const std::string& what, Report& report,
                            std::string_view expected) {
    if (node.reported) return std::nullopt;
    if (!node.is_scalar() || node.is_null()) {
        report.error(node.location, "'" + what + "' must be " + std::string(expected) + ", found " +
                                        std::string(kind_name(node)));
        return std::nullopt;
    }
    return Text{node.scalar, node.location};
}

TextList as_text_list(const Node& node, const std::string& what, Report& report) {
    TextList out;
    if (node.is_null()) return out;
    if (!node.is_sequence()) {
        report.error(node.location, "'" + what + "' must be a list of strings, found " +
                                        std::string(kind_name(node)));
        return out;
    }
    for (const auto& item : node.children)
        if (auto text = as_text(item, what + "[]", report)) out.push_back(*text);
    return out;
}

std::optional<Text> MapReader::text(std::string_view key, bool required) {
    const Node* value = required ? require(key) : get(key);
    if (!value) return std::nullopt;
    return as_text(*value, path(key), report_);
}

TextList MapReader::text_list(std::string_view key) {
    const Node* value = get(key);
    if (!value) return {};
    return as_text_list(*value, path(key), report_);
}

std::optional<Located<long long>> MapReader::integer(std::string_view key, long long min,
                                                     long long max) {
    const std::string expected =
        "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    const Node* node = get(key);
    if (!node) return std::nullopt;
    auto value = as_text(*node, path(key), report_, expected);
    if (!value) return std::nullopt;
    auto number = grammar::parse_integer(value->value);
    if (!number || *number < min || *number > max) {
        report_.error(value->where,
                      "'" + path(key) + "' must be " + expected + ", found '" + value->value + "'");
        return std::nullopt;
    }
    return Located<long long>{*number, value->where};
}

std::optional<bool> MapReader::boolean(std::string_view key) {
    const Node* node = get(key);
    if (!node) return std::nullopt;
    auto value = as_text(*node, path(key), report_, "true or false");
    if (!value) return std::nullopt;
    if (value->value == "true") return true;
    if (value->value == "false") return false;
    report_.error(value->where,
                  "'" + path(key) + "' must be true or false, found '" + value->value + "'");
    return std::nullopt;
}

std::optional<Text> MapReader::one_of(std::string_view key,
                                      const std::vector<std::string>& allowed) {
    auto value = text(key);
    if (!value) return std::nullopt;
    if (std::find(allowed.begin(), allowed.end(), value->value) == allowed.end()) {
        report_choice_error(key, *value, allowed);
        return std::nullopt;
    }
    return value;
}

void MapReader::report_choice_error(std::string_view key, const Text& value,
                                    const std::vector<std::string>& names) {
    report_.error(value.where, "'" + path(key) + "' must be " + kiln::one_of(names) + "; found '" +
                                   value.value + "'");
}

void MapReader::finish() {
    if (finished_ || !valid_) return;
    finished_ = true;
    for (const auto& child : node_.children) {
        if (known_.contains(child.key)) continue;
        std::string hint;
        std::size_t best = 3;
        for (const auto& known : known_) {
            // The lengths' difference is a lower bound of the distance: most pairs stop here.
            std::size_t length_gap = child.key.size() > known.size()
                                         ? child.key.size() - known.size()
                                         : known.size() - child.key.size();
            if (length_gap >= best) continue;
            std::size_t d = grammar::edit_distance(child.key, known);
            if (d < best) best = d, hint = " (did you mean '" + known + "'?)";
        }
        report_.warning(child.key_location,
                        "unknown key '" + child.key + "' in '" + name_ + "'" + hint);
    }
}

}  // namespace kiln::yaml
