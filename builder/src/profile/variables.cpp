#include "profile/variables.hpp"

#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "kiln/map_reader.hpp"

namespace kiln::profile {

namespace {

// What a reference turned into: the variable's final text, or nothing (the variable is not
// declared, or its own problem was already reported).
struct Lookup {
    const std::string* text = nullptr;
    bool declared = false;
};

// Expands the references in one text. Replaced text is never scanned again, so "$${" is
// unescaped exactly once however many variables it passes through.
class Expander {
public:
    explicit Expander(Report& report) : report_(report) {}

    std::optional<std::string> expand(const std::string& text, const Location& where,
                                      const std::function<Lookup(const std::string&)>& lookup) {
        std::string out;
        bool failed = false;
        for (std::size_t i = 0; i < text.size();) {
            if (text.compare(i, 3, "$${") == 0) {
                out += "${";
                i += 3;
                continue;
            }
            if (text.compare(i, 2, "${") != 0) {
                out += text[i++];
                continue;
            }
            std::size_t close = text.find('}', i + 2);
            if (close == std::string::npos) {
                report_.error(where, "unterminated variable reference in '" + text + "'");
                return std::nullopt;
            }
            std::string name = text.substr(i + 2, close - i - 2);
            Lookup found = lookup(name);
            if (found.text) {
                out += *found.text;
            } else {
                if (!found.declared) report_.error(where, "undefined variable '" + name + "'");
                failed = true;
            }
            if (out.size() > kMaxExpandedValueBytes) {
                report_.error(where, "the value grows beyond " +
                                         std::to_string(kMaxExpandedValueBytes) +
                                         " bytes with its variables replaced (the limit)");
                return std::nullopt;
            }
            i = close + 1;
        }
        if (failed) return std::nullopt;
        total_ += out.size();
        if (total_ > kMaxExpandedTotalBytes) {
            if (!total_reported_)
                report_.error(where, "the profile's values grow beyond " +
                                         std::to_string(kMaxExpandedTotalBytes) +
                                         " bytes with their variables replaced (the limit)");
            total_reported_ = true;
            return std::nullopt;
        }
        return out;
    }

private:
    Report& report_;
    std::size_t total_ = 0;
    bool total_reported_ = false;
};

class Resolver {
public:
    Resolver(Expander& expander, Report& report) : expander_(expander), report_(report) {}

    void declare(const std::string& name, std::string raw, Location where) {
        variables_[name] = Variable{std::move(raw), std::move(where), State::unresolved, {}};
    }

    Lookup lookup(const std::string& name) {
        auto it = variables_.find(name);
        if (it == variables_.end()) return {};
        Variable& v = it->second;
        switch (v.state) {
            case State::resolved:
                return {&v.value, true};
            case State::failed:
                return {nullptr, true};
            case State::resolving:
                report_cycle(name);
                return {nullptr, true};
            case State::unresolved:
                break;
        }
        if (chain_.size() >= kMaxVariableDepth) {
            report_.error(v.where, "variable '" + name + "' is reached through more than " +
                                       std::to_string(kMaxVariableDepth) +
                                       " variables, one inside the other (the limit)");
            v.state = State::failed;
            return {nullptr, true};
        }
        v.state = State::resolving;
        chain_.push_back(name);
        auto value =
            expander_.expand(v.raw, v.where, [this](const std::string& n) { return lookup(n); });
        chain_.pop_back();
        // A cycle through this variable marked it failed while it was being resolved.
        if (v.state == State::resolving && value) {
            v.value = std::move(*value);
            v.state = State::resolved;
            return {&v.value, true};
        }
        v.state = State::failed;
        return {nullptr, true};
    }

    Variables resolve_all() {
        Variables out;
        for (auto& [name, v] : variables_) {
            if (Lookup found = lookup(name); found.text)
                out.values[name] = *found.text;
            else
                out.broken.insert(name);
        }
        return out;
    }

private:
    enum class State { unresolved, resolving, resolved, failed };
    struct Variable {
        std::string raw;
        Location where;
        State state = State::unresolved;
        std::string value;
    };

    void report_cycle(const std::string& name) {
        auto first = std::find(chain_.begin(), chain_.end(), name);
        std::string cycle;
        for (auto it = first; it != chain_.end(); ++it) cycle += *it + " -> ";
        Variable& start = variables_.at(name);
        report_.error(start.where, "variable '" + name + "' refers to itself: " + cycle + name);
        for (auto it = first; it != chain_.end(); ++it) variables_.at(*it).state = State::failed;
    }

    Expander& expander_;
    Report& report_;
    std::map<std::string, Variable> variables_;
    std::vector<std::string> chain_;
};

void substitute(yaml::Node& node, Expander& expander, const Variables& variables) {
    if (node.is_scalar()) {
        if (node.reported || node.scalar.find("${") == std::string::npos) return;
        auto value =
            expander.expand(node.scalar, node.location, [&](const std::string& name) -> Lookup {
                if (auto it = variables.values.find(name); it != variables.values.end())
                    return {&it->second, true};
                return {nullptr, variables.broken.contains(name)};
            });
        if (value)
            node.scalar = std::move(*value);
        else
            node.reported = true;
        return;
    }
    for (auto& child : node.children) {
        if (node.is_mapping() && child.key == "variables") continue;
        substitute(child, expander, variables);
    }
}

}  // namespace

Variables resolve_variables(const yaml::Node& root,
                            const std::map<std::string, std::string>& overrides, Report& report) {
    Expander expander(report);
    Resolver resolver(expander, report);
    std::set<std::string> declared, not_text;
    if (const yaml::Node* node = root.find("variables")) {
        if (!node->is_mapping()) {
            report.error(node->location,
                         "'variables' must be a mapping of names to strings, found " +
                             std::string(yaml::kind_name(*node)));
        } else {
            for (const auto& child : node->children) {
                declared.insert(child.key);
                if (auto text = yaml::as_text(child, "variables." + child.key, report))
                    resolver.declare(child.key, text->value, text->where);
                else
                    not_text.insert(child.key);
            }
        }
    }
    for (const auto& [name, value] : overrides) {
        if (!declared.contains(name)) {
            report.error(Location{"--var " + name},
                         "variable '" + name + "' is not declared in the profile's 'variables'");
            continue;
        }
        resolver.declare(name, value, Location{"--var " + name});
        not_text.erase(name);
    }
    Variables resolved = resolver.resolve_all();
    resolved.broken.merge(not_text);
    return resolved;
}

void substitute_variables(yaml::Node& root, const Variables& variables, Report& report) {
    Expander expander(report);
    substitute(root, expander, variables);
}

}  // namespace kiln::profile
