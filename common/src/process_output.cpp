#include "process_output.hpp"

#include <algorithm>

namespace kiln {

namespace {
// A "line" that never ends (binary output) reaches the sink in pieces of this size.
constexpr std::size_t kLongestLine = 64 << 10;
}  // namespace

void CapturedStream::append(std::string_view chunk) {
    keep(chunk);
    if (sink_) split_lines(chunk);
}

void CapturedStream::keep(std::string_view chunk) {
    if (which_ == OutputStream::out) {
        kept_.append(chunk.substr(0, limit_ - std::min(limit_, kept_.size())));
        return;
    }
    kept_.append(chunk);
    // Trimmed in batches, so that a chatty program costs no quadratic copying.
    if (kept_.size() > 2 * limit_) kept_.erase(0, kept_.size() - limit_);
}

void CapturedStream::split_lines(std::string_view chunk) {
    std::size_t start = 0;
    for (std::size_t nl; (nl = chunk.find('\n', start)) != std::string_view::npos; start = nl + 1) {
        partial_line_.append(chunk.substr(start, nl - start));
        sink_(which_, partial_line_);
        partial_line_.clear();
    }
    partial_line_.append(chunk.substr(start));
    if (partial_line_.size() >= kLongestLine) {
        sink_(which_, partial_line_);
        partial_line_.clear();
    }
}

void CapturedStream::finish() {
    if (sink_ && !partial_line_.empty()) sink_(which_, partial_line_);
    partial_line_.clear();
}

std::string CapturedStream::take() {
    if (kept_.size() > limit_) kept_.erase(0, kept_.size() - limit_);
    return std::move(kept_);
}

}  // namespace kiln
