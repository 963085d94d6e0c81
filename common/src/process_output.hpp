#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "kiln/process.hpp"

namespace kiln {

using LineSink = std::function<void(OutputStream, std::string_view line)>;

// What a program writes to one of its pipes: the part ProcessSpec::output_limit keeps (the
// start of stdout, the end of stderr), and every line handed to the sink as it completes.
class CapturedStream {
public:
    CapturedStream(OutputStream which, std::size_t limit, const LineSink& sink)
        : which_(which), limit_(limit), sink_(sink) {}

    void append(std::string_view chunk);
    // The stream closed: a last line without a newline still reaches the sink.
    void finish();
    std::string take();

private:
    void keep(std::string_view chunk);
    void split_lines(std::string_view chunk);

    OutputStream which_;
    std::size_t limit_;
    const LineSink& sink_;
    std::string kept_;
    std::string partial_line_;
};

}  // namespace kiln
