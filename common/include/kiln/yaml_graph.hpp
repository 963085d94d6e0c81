#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

// A yaml-cpp document is a graph: an alias shares the node its anchor names, so a document can
// contain itself (`x: &r [*r]`) or stand for a tree far larger than its text ("billion laughs":
// 451 bytes for 1.4 GB). Whatever walks one as a tree (the located tree, an emitter) walks it
// through a GraphWalk, which stops at a cycle and at limits that name themselves.
namespace kiln::yaml {

// Limits of one document, counted with every alias expanded.
inline constexpr std::size_t kMaxDepth = 64;               // lists and mappings inside each other
inline constexpr std::size_t kMaxNodes = 200'000;          // values, a mapping's keys not counted
inline constexpr std::size_t kMaxScalarBytes = 16u << 20;  // the text of every scalar and key

class GraphError : public std::runtime_error {
public:
    GraphError(const std::string& message, const YAML::Mark& where)
        : std::runtime_error(message), mark(where) {}
    YAML::Mark mark;  // the node where the walk stopped
};

class GraphWalk {
public:
    // Enters `node`, below the nodes whose Steps are alive, until destroyed; throws GraphError
    // when `node` is one of them (a cycle) or a limit is passed.
    class Step {
    public:
        Step(GraphWalk& walk, const YAML::Node& node);
        ~Step() { walk_.path_.pop_back(); }
        Step(const Step&) = delete;
        Step& operator=(const Step&) = delete;

    private:
        GraphWalk& walk_;
    };

    // Counts the text of a mapping key (a scalar the walk does not enter).
    void count_key(const YAML::Node& key);

private:
    void count_text(const YAML::Node& scalar);

    std::vector<YAML::Node> path_;
    std::size_t nodes_ = 0;
    std::size_t scalar_bytes_ = 0;
};

}  // namespace kiln::yaml
