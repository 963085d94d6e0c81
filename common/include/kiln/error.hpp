#pragma once

#include <stdexcept>
#include <string>

namespace kiln {

// Exit codes shared by both programs; only main() turns an Error into one.
enum class ExitCode : int {
    ok = 0,
    invalid_input = 1,  // a profile, metadata or image that fails validation
    usage = 2,          // bad command line
    failed = 3,         // the work itself failed (I/O, a tool, the appliance)
    interrupted = 130,
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::failed)
        : std::runtime_error(message), code_(code) {}
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

// The input was read and found wrong; the diagnostics were already reported.
class InvalidInput : public Error {
public:
    explicit InvalidInput(const std::string& message) : Error(message, ExitCode::invalid_input) {}
};

class SystemError : public Error {
public:
    SystemError(const std::string& what, int errno_value);
};

class Interrupted : public Error {
public:
    Interrupted() : Error("interrupted", ExitCode::interrupted) {}
};

}  // namespace kiln
