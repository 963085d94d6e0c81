#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sysprep/guest_files.hpp"

// The sysprep operations kiln knows, as virt-sysprep keeps them: one record each, read by the
// profile (valid names, defaults), the plan (summaries) and the build (what it does).
namespace kiln::sysprep {

struct Operation {
    std::string_view name;
    std::string_view summary;  // one line for `kiln plan`
    bool enabled_by_default = true;
    // What it does to the guest's files, returning the note shown beside "done". Null for an
    // operation on the finished disk rather than its files (zero-free-space): the plan runs it
    // in the disk stage, where the disk is.
    std::string (*perform)(GuestFiles& files) = nullptr;
};

// Every operation, in the order a build runs the defaults.
std::span<const Operation> operations();
// The operation called `name`, or null.
const Operation* find(std::string_view name);

}  // namespace kiln::sysprep
