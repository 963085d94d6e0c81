#include "kiln/elf.hpp"

#include <elf.h>

#include <cstring>

namespace kiln {

bool is_static_x86_64_executable(std::string_view image) {
    Elf64_Ehdr header;
    if (image.size() < sizeof header) return false;
    std::memcpy(&header, image.data(), sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
        header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_machine != EM_X86_64 ||
        header.e_phentsize != sizeof(Elf64_Phdr))
        return false;
    for (int i = 0; i < header.e_phnum; ++i) {
        std::size_t offset = header.e_phoff + static_cast<std::size_t>(i) * sizeof(Elf64_Phdr);
        if (offset + sizeof(Elf64_Phdr) > image.size()) return false;
        Elf64_Phdr ph;
        std::memcpy(&ph, image.data() + offset, sizeof ph);
        if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) return false;
    }
    return true;
}

}  // namespace kiln
