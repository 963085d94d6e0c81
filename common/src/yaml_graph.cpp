#include "kiln/yaml_graph.hpp"

#include <algorithm>

namespace kiln::yaml {

GraphWalk::Step::Step(GraphWalk& walk, const YAML::Node& node) : walk_(walk) {
    auto& path = walk.path_;
    if (std::any_of(path.begin(), path.end(), [&](const YAML::Node& n) { return n.is(node); }))
        throw GraphError(
            "an alias refers to a list or mapping that contains it: the document never ends",
            node.Mark());
    if (path.size() >= kMaxDepth)
        throw GraphError("lists and mappings nest deeper than " + std::to_string(kMaxDepth) +
                             " levels (the limit)",
                         node.Mark());
    if (++walk.nodes_ > kMaxNodes)
        throw GraphError("the document has more than " + std::to_string(kMaxNodes) +
                             " values with its aliases expanded (the limit)",
                         node.Mark());
    if (node.IsScalar()) walk.count_text(node);
    path.push_back(node);
}

void GraphWalk::count_key(const YAML::Node& key) {
    if (key.IsScalar()) count_text(key);
}

void GraphWalk::count_text(const YAML::Node& scalar) {
    scalar_bytes_ += scalar.Scalar().size();
    if (scalar_bytes_ > kMaxScalarBytes)
        throw GraphError("the document has more than " + std::to_string(kMaxScalarBytes) +
                             " bytes of text with its aliases expanded (the limit)",
                         scalar.Mark());
}

}  // namespace kiln::yaml
