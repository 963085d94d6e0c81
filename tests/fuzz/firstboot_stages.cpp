#include "firstboot_stages.hpp"

#include "core/accounts.hpp"
#include "core/root_dir.hpp"
#include "dcs/etcd_member.hpp"
#include "fuzz_input.hpp"
#include "render/render.hpp"
#include "sources/collect.hpp"
#include "test_support.hpp"
#include "validate/member_identity.hpp"
#include "validate/validate.hpp"

namespace kiln_fuzz {

using namespace kiln::firstboot;

const std::filesystem::path& image_root() {
    static Scratch root("firstboot-root");
    static bool made = (test::make_image_root(root.path()), true);
    (void)made;
    return root.path();
}

const RootDir& image_root_dir() {
    static const RootDir root(image_root());
    return root;
}

Collection new_collection() {
    static const Collection collected = collect(image_root_dir(), CollectOptions{}, nullptr);
    return collected;
}

void validate_and_render(Collection& collection) {
    auto node = validate(collection, image_root_dir());
    if (node) {
        static const kiln::Accounts accounts = load_accounts(image_root_dir());
        RenderContext context{*node,
                              image_root_dir(),
                              accounts,
                              layout_for(node->image.os_family),
                              {"new", founder_initial_cluster(member_identity(*node)), false, {}}};
        render_all(context, collection.report);
    }
    collection.report.format(&collection.sources);
}

}  // namespace kiln_fuzz
