#include "yaml_stream.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace kiln::yaml {

namespace {

// Where a document starts and whether it holds anything but a null.
class DocumentProbe final : public YAML::EventHandler {
public:
    std::optional<YAML::Mark> start;
    bool has_content = false;

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark, false); }
    void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { seen(mark, true); }
    void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  const std::string&) override {
        seen(mark, true);
    }
    void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {
        seen(mark, true);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {
        seen(mark, true);
    }
    void OnMapEnd() override {}

private:
    void seen(const YAML::Mark& mark, bool content) {
        if (!start) start = mark;
        has_content = has_content || content;
    }
};

}  // namespace

StreamShape probe_stream(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    StreamShape shape;
    std::optional<int> previous_start;
    for (bool first = true;; first = false) {
        DocumentProbe probe;
        if (!parser.HandleNextDocument(probe)) return shape;
        if (probe.start && previous_start && probe.start->pos == *previous_start) {
            shape.stuck_at = probe.start;
            return shape;
        }
        if (probe.start) previous_start = probe.start->pos;
        if (!first && probe.has_content) {
            shape.second_document = probe.start;
            return shape;
        }
    }
}

}  // namespace kiln::yaml
