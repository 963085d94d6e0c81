#include "kiln/yaml_tree.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <unordered_map>

#include "kiln/printable.hpp"
#include "kiln/regular_file.hpp"
#include "kiln/utf8.hpp"
#include "kiln/yaml_graph.hpp"
#include "yaml_stream.hpp"

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
        GraphWalk::Step step(walk_, in);
        Node out;
        out.location = locate(in.Mark(), fallback);
        const std::string& tag = in.Tag();
        if (!tag.empty() && tag != "?" && tag != "!") out.tag = tag;
        switch (in.Type()) {
            case YAML::NodeType::Scalar:
                out.kind = Kind::scalar;
                out.scalar = in.Scalar();
                out.quoted = tag == "!";
                if (!is_utf8(out.scalar, out.location)) out.reported = true;
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

    Location locate(const YAML::Mark& mark, const Location& fallback) const {
        if (mark.line < 0) return fallback;
        return {file_, mark.line + 1, mark.column + 1};
    }

private:
    // yaml-cpp turns the escapes \N and \_ into lone bytes that are not UTF-8.
    bool is_utf8(const std::string& text, const Location& where) {
        if (!utf8::first_invalid(text)) return true;
        report_.error(where, "the value is not valid UTF-8");
        return false;
    }

    void convert_map(const YAML::Node& in, Node& out) {
        out.kind = Kind::mapping;
        // Keys point into yaml-cpp's nodes, which outlive this call; values index out.children.
        std::unordered_map<std::string_view, std::size_t> seen;
        for (const auto& pair : in) {
            Location key_location = locate(pair.first.Mark(), out.location);
            if (!pair.first.IsScalar()) {
                report_.error(key_location, "a mapping key must be a plain string");
                continue;
            }
            walk_.count_key(pair.first);
            const std::string& key = pair.first.Scalar();
            if (!is_utf8(key, key_location)) continue;
            if (auto previous = seen.find(key); previous != seen.end()) {
                report_.error(key_location, "duplicate key '" + key + "' (first defined at " +
                                                out.children[previous->second].key_location.str() +
                                                ")");
                continue;
            }
            seen.emplace(key, out.children.size());
            Node value = convert(pair.second, key_location);
            value.key = key;
            value.key_location = key_location;
            out.children.push_back(std::move(value));
        }
    }

    std::string file_;
    Report& report_;
    GraphWalk walk_;
};

// YAML streams are printable Unicode (YAML 1.2, c-printable): a file with other bytes is not a
// YAML file a user wrote, so it is refused before parsing and never quoted.
bool is_yaml_text(const std::string& display_name, std::string_view text, Report& report) {
    for (std::size_t i = 0; i < text.size();) {
        auto c = utf8::decode(text.substr(i));
        if (!c) {
            report.error(location_of(display_name, text, static_cast<std::ptrdiff_t>(i)),
                         "not a YAML text file: the byte here is not UTF-8");
            return false;
        }
        char32_t u = c->code_point;
        bool allowed = u == '\t' || u == '\n' || u == '\r' || u == 0x85 ||
                       (u >= 0x20 && u <= 0x7E) || (u >= 0xA0 && u <= 0xD7FF) ||
                       (u >= 0xE000 && u <= 0xFFFD) || u >= 0x10000;
        if (!allowed) {
            report.error(location_of(display_name, text, static_cast<std::ptrdiff_t>(i)),
                         fmt::format("not a YAML text file: YAML does not allow the control "
                                     "character U+{:04X} (a double-quoted string can escape it)",
                                     static_cast<unsigned>(u)));
            return false;
        }
        i += c->length;
    }
    return true;
}

std::optional<Node> parse(const std::string& display_name, const std::string& text,
                          Report& report) {
    const Location start{display_name, 1, 1};
    Converter converter(display_name, report);
    try {
        StreamShape shape = probe_stream(text);
        if (shape.stuck_at) {
            Location where = converter.locate(*shape.stuck_at, start);
            auto line = SourceFiles::line_of(text, where.line);
            std::string what =
                line && where.column >= 1 && static_cast<std::size_t>(where.column) <= line->size()
                    ? printable(line->substr(where.column - 1, 1))
                    : std::string("this");
            report.error(where, "YAML syntax error: unexpected '" + what + "'");
            return std::nullopt;
        }
        // kiln reads one document per file: a later one would be silently ignored.
        if (shape.second_document) {
            report.error(converter.locate(*shape.second_document, start),
                         "a second YAML document in one file: kiln reads only the first (remove "
                         "the '---' before this one, or move it to a file of its own)");
            return std::nullopt;
        }
        return converter.convert(YAML::Load(text), start);
    } catch (const YAML::ParserException& e) {
        Location where = converter.locate(e.mark, start);
        std::string hint;
        auto line = SourceFiles::line_of(text, where.line);
        if (line && line->substr(0, line->find_first_not_of(" \t")).find('\t') != std::string::npos)
            hint = " (YAML does not allow tabs for indentation)";
        report.error(where, "YAML syntax error: " + e.msg + hint);
    } catch (const GraphError& e) {
        report.error(converter.locate(e.mark, start), e.what());
    } catch (const YAML::Exception& e) {
        report.error(start, std::string("YAML error: ") + e.what());
    }
    return std::nullopt;
}

}  // namespace

std::optional<Node> load_string(const std::string& display_name, const std::string& text,
                                SourceFiles& sources, Report& report) {
    if (!is_yaml_text(display_name, text, report)) {
        sources.forget(display_name);
        return std::nullopt;
    }
    sources.add(display_name, text);
    return parse(display_name, text, report);
}

std::optional<Node> load_file(const std::string& display_name, const std::filesystem::path& path,
                              SourceFiles& sources, Report& report) {
    auto text = read_regular_file(path, kMaxFileBytes);
    if (auto* problem = std::get_if<FileProblem>(&text)) {
        report.error(Location{display_name}, problem->message);
        return std::nullopt;
    }
    return load_string(display_name, std::get<std::string>(text), sources, report);
}

}  // namespace kiln::yaml
