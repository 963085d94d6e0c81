#include "export/verify/member_order.hpp"

#include <algorithm>

namespace kiln::exporter::verify_detail {

OvaLayout find_layout(const std::vector<TarMember>& members) {
    OvaLayout layout;
    constexpr std::size_t kNamed = 16;  // the order quoted in messages names the first ones
    for (std::size_t i = 0; i < std::min(members.size(), kNamed); ++i)
        layout.order += (i ? ", " : "") + members[i].name;
    if (members.size() > kNamed)
        layout.order += ", ... (" + std::to_string(members.size()) + " members)";
    for (const auto& m : members) {
        if (m.name.ends_with(".ovf"))
            ++layout.ovf_count, layout.ovf = layout.ovf ? layout.ovf : &m;
        else if (m.name.ends_with(".mf"))
            layout.mf = layout.mf ? layout.mf : &m;
        else if (m.name.ends_with(".cert"))
            layout.cert = layout.cert ? layout.cert : &m;
    }
    return layout;
}

bool check_member_order(const std::vector<TarMember>& members, const OvaLayout& layout,
                        VerifyReport& report) {
    const std::string& order = layout.order;
    bool order_ok = true;
    if (!members[0].name.ends_with(".ovf")) {
        report.fault("order", "the first member is '" + members[0].name +
                                  "', VMware needs the .ovf first (" + order + ")");
        order_ok = false;
    }
    if (layout.ovf_count != 1) {
        report.fault("order",
                     std::to_string(layout.ovf_count) + " .ovf members, expected exactly 1");
        order_ok = false;
    }
    if (layout.mf && &members[1] != layout.mf) {
        report.fault("order", "the manifest is not the second member (" + order + ")");
        order_ok = false;
    }
    if (layout.cert && (!layout.mf || layout.cert != layout.mf + 1)) {
        report.fault("order", "the .cert does not directly follow the manifest (" + order + ")");
        order_ok = false;
    }
    return order_ok;
}

}  // namespace kiln::exporter::verify_detail
