#pragma once

#include <chrono>
#include <filesystem>
#include <string>

// QEMU's machine protocol on a node's control socket: how `kiln run` shuts a node down cleanly
// (an ACPI power button press the guest answers by stopping its services) instead of pulling the
// plug.
namespace kiln::run {

// Sends system_powerdown over the QMP socket; throws Error when the socket does not answer.
void qmp_powerdown(const std::filesystem::path& socket, std::chrono::seconds timeout);

// Sends one QMP command (a JSON object text) and returns the "return" reply's text; events that
// arrive in between are skipped. Throws Error on an "error" reply.
std::string qmp_execute(const std::filesystem::path& socket, const std::string& command,
                        std::chrono::seconds timeout);

}  // namespace kiln::run
