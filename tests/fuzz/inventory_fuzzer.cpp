// The inventory and secrets readers of `kiln metadata` and `kiln run`, and the promise between
// them and kiln-firstboot: what kiln metadata accepts, it writes in every format without
// failing, and the metadata document it writes reads back, value for value, with every value
// valid by the node schema. The input is the inventory, then optionally a line "#@secrets"
// and the secrets file (without it, four valid secrets are used).
#include <cstdlib>

#include "fuzz_input.hpp"
#include "inventory/inventory.hpp"
#include "kiln/error.hpp"
#include "kiln/node_document.hpp"
#include "kiln/node_schema.hpp"
#include "metadata/formats.hpp"

namespace {

using kiln_fuzz::fail;

const char* const kDefaultSecrets =
    "postgres_password: pg-secret-1\n"
    "replication_password: repl-secret-2\n"
    "rest_password: rest-secret-3\n"
    "vrrp_password: vrrp4\n";

void check_round_trip(const kiln::metadata::Values& values) {
    for (const auto& [key, value] : values) {
        const auto* spec = kiln::node::find_key(key);
        if (!spec) fail("kiln metadata wrote an unknown key '" + key + "'");
        if (auto problem = kiln::node::check_value(*spec, value))
            fail("kiln metadata accepted '" + key + "', which the schema refuses: " + *problem);
    }
    std::string document = kiln::metadata::document_yaml(values);
    kiln::SourceFiles sources;
    kiln::Report report;
    auto read = kiln::node::read_document("written.yml", document, sources, report);
    if (!read || report.has_errors())
        fail("kiln-firstboot cannot read the document kiln metadata wrote:\n" +
             report.format(&sources));
    if (read->values.size() != values.size()) fail("the written document lost or gained keys");
    for (const auto& [key, value] : values) {
        const auto* back = read->find(key);
        if (!back || back->text != value) fail("'" + key + "' does not read back as written");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    for (const char* name : {"KILN_POSTGRES_PASSWORD", "KILN_REPLICATION_PASSWORD",
                             "KILN_REST_PASSWORD", "KILN_VRRP_PASSWORD"})
        ::unsetenv(name);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static kiln_fuzz::Scratch scratch("inventory");
    scratch.clear();
    auto parts = kiln_fuzz::split(kiln_fuzz::as_text(data, size), "\n#@secrets\n", 2);
    auto inventory_file = scratch.write("inventory.yml", parts[0]);
    auto secrets_file = scratch.write("secrets.yml", parts.size() > 1 ? parts[1] : kDefaultSecrets);

    kiln::Report report;
    try {
        auto inventory = kiln::inventory::load(inventory_file.string(), report);
        if (!inventory) return 0;
        auto secrets = kiln::inventory::load_secrets(secrets_file.string(), inventory->dcs, report);
        if (report.has_errors()) return 0;
        for (const auto& node : inventory->nodes) {
            auto values = kiln::inventory::node_metadata(*inventory, node, secrets);
            for (const auto& [format, name] : name_table(kiln::metadata::Format{}))
                kiln::metadata::render(format, node.name, values);
            check_round_trip(values);
        }
    } catch (const kiln::Error&) {
        // a refusal kiln reports as such, not a crash
    }
    report.format(nullptr);
    return 0;
}
