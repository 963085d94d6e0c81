#include "kiln/yaml_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>

namespace kiln::yaml {

bool Node::is_null() const {
    if (kind == Kind::null) return true;
    return kind == Kind::scalar && !quoted && (scalar == "~" || scalar == "null" || scalar == "");
}

const Node* Node::find(std::string_view name) const {
    if (kind != Kind::mapping) return nullptr;
    for (const auto& child : children)
        if (child.key == name) return &child;
    return nullptr;
}

Node* Node::find(std::string_view name) {
    return const_cast<Node*>(static_cast<const Node*>(this)->find(name));
}

void Node::erase(std::string_view name) {
    std::erase_if(children, [&](const Node& child) { return child.key == name; });
}

std::string_view kind_name(const Node& node) {
    if (node.is_null()) return "nothing";
    switch (node.kind) {
        case Kind::scalar:
            return "a scalar";
        case Kind::sequence:
            return "a list";
        case Kind::mapping:
            return "a mapping";
        case Kind::null:
            break;
    }
    return "nothing";
}

namespace {

class Converter {
public:
    Converter(const std::string& file, Report& report) : file_(file), report_(report) {}

    Node convert(const YAML::Node& in, const Location& fallback) {
        Node out;
        out.location = locate(in.Mark(), fallback);
        const std::string& tag = in.Tag();
        if (!tag.empty() && tag != "?" && tag != "!") out.tag = tag;
        switch (in.Type()) {
            case YAML::NodeType::Scalar:
                out.kind = Kind::scalar;
                out.scalar = in.Scalar();
                out.quoted = tag == "!";
                break;
            case YAML::NodeType::Sequence:
                out.kind = Kind::sequence;
                for (const auto& item : in) out.children.push_back(convert(item, out.location));
                break;
            case YAML::NodeType::Map:
                convert_map(in, out);
                break;
            default:
                out.kind = Kind::null;
                break;
        }
        return out;
    }

private:
    Location locate(const YAML::Mark& mark, const Location& fallback) const {
        if (mark.line < 0) return fallback;
        return {file_, mark.line + 1, mark.column + 1};
    }

    void convert_map(const YAML::Node& in, Node& out) {
        out.kind = Kind::mapping;
        std::map<std::string, Location> seen;
        for (const auto& pair : in) {
            Location key_location = locate(pair.first.Mark(), out.location);
            if (!pair.first.IsScalar()) {
                report_.error(key_location, "a mapping key must be a plain string");
                continue;
            }
            std::string key = pair.first.Scalar();
            if (auto previous = seen.find(key); previous != seen.end()) {
                report_.error(key_location, "duplicate key '" + key + "' (first defined at " +
                                                previous->second.str() + ")");
                continue;
            }
            seen.emplace(key, key_location);
            Node value = convert(pair.second, key_location);
            value.key = key;
            value.key_location = key_location;
            out.children.push_back(std::move(value));
        }
    }

    std::string file_;
    Report& report_;
};

std::optional<Node> parse(const std::string& display_name, const std::string& text,
                          Report& report) {
    try {
        YAML::Node root = YAML::Load(text);
        return Converter(display_name, report).convert(root, Location{display_name, 1, 1});
    } catch (const YAML::ParserException& e) {
        Location where{display_name, e.mark.line + 1, e.mark.column + 1};
        if (e.mark.line < 0) where = Location{display_name, 1, 1};
        std::string hint;
        auto line = SourceFiles::line_of(text, where.line);
        if (line && line->substr(0, line->find_first_not_of(" \t")).find('\t') != std::string::npos)
            hint = " (YAML does not allow tabs for indentation)";
        report.error(where, "YAML syntax error: " + e.msg + hint);
    } catch (const YAML::Exception& e) {
        report.error(Location{display_name, 1, 1}, std::string("YAML error: ") + e.what());
    }
    return std::nullopt;
}

}  // namespace

std::optional<Node> load_string(const std::string& display_name, const std::string& text,
                                SourceFiles& sources, Report& report) {
    sources.add(display_name, text);
    return parse(display_name, text, report);
}

std::optional<Node> load_file(const std::string& display_name, const std::filesystem::path& path,
                              SourceFiles& sources, Report& report) {
    const std::string* text = sources.load(display_name, path);
    if (!text) {
        report.error(Location{display_name}, "cannot read file");
        return std::nullopt;
    }
    return parse(display_name, *text, report);
}

}  // namespace kiln::yaml
