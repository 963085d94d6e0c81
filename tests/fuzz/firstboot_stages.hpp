#pragma once

#include "sources/collection.hpp"

// kiln-firstboot's stages after collection, as a run would take them: validate what the
// transports gave, render every file from a valid node into memory, and print the report.
namespace kiln_fuzz {

// An image root laid out like a baked image (the unit tests' make_image_root), made once.
const std::filesystem::path& image_root();

// What the collect stage finds in image_root() (its image configuration and defaults), for a
// transport under test to add to.
kiln::firstboot::Collection new_collection();

void validate_and_render(kiln::firstboot::Collection& collection);

}  // namespace kiln_fuzz
