#include "crafted.hpp"

#include <cstdio>
#include <cstring>

#include "export/digest.hpp"
#include "export/ova_manifest.hpp"
#include "export/ovf.hpp"

namespace crafted {

namespace vm = kiln::exporter::vmdk;

namespace {

void pad_to_sector(std::string& bytes) {
    bytes.resize((bytes.size() + 511) / 512 * 512, '\0');
}

void append(std::string& out, const vm::Sector& sector) {
    out.append(reinterpret_cast<const char*>(sector.data()), sector.size());
}

// The fields of a USTAR header block, written as GNU tar writes them.
std::string header_block(const std::string& name, std::size_t size) {
    std::string h(512, '\0');
    auto field = [&](std::size_t at, std::size_t width, const std::string& text) {
        std::memcpy(h.data() + at, text.data(), std::min(width, text.size()));
    };
    auto octal = [](std::size_t width, unsigned long long value) {
        char text[32];
        std::snprintf(text, sizeof text, "%0*llo", static_cast<int>(width - 1), value);
        return std::string(text);
    };
    field(0, 100, name);
    field(100, 8, octal(8, 0644));
    field(108, 8, octal(8, 0));
    field(116, 8, octal(8, 0));
    field(124, 12, octal(12, size));
    field(136, 12, octal(12, 0));
    field(148, 8, "        ");
    h[156] = '0';
    field(257, 8,
          std::string("ustar\0"
                      "00",
                      8));
    field(265, 32, "root");
    field(297, 32, "root");
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    field(148, 8, octal(7, sum));
    return h;
}

}  // namespace

std::string ustar(const std::vector<TarEntry>& entries) {
    std::string out;
    for (const auto& e : entries) {
        out += header_block(e.name, e.data.size());
        out += e.data;
        pad_to_sector(out);
    }
    out.append(1024, '\0');
    return out;
}

vm::Header TinyVmdk::default_header() {
    vm::Header h;
    h.capacity = 128;
    h.descriptor_offset = 1;
    h.descriptor_size = 1;
    h.overhead = 2;
    h.gd_offset = vm::kGdAtEnd;
    return h;
}

std::string TinyVmdk::bytes() const {
    std::string out;
    append(out, vm::encode_header(header));
    out +=
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
        "createType=\"streamOptimized\"\nRW " +
        std::to_string(extent_sectors) + " SPARSE \"tiny.vmdk\"\n";
    pad_to_sector(out);
    if (with_grain_table) {
        append(out, vm::encode_marker(vm::kGtSectors, vm::MarkerType::grain_table));
        out.append(vm::kGtSectors * 512, '\0');
    }
    // Sized the way the checker sizes it: from the header's capacity, wrapping as it wraps.
    std::uint64_t gd_sectors =
        vm::directory_sectors(vm::grain_table_count(header.capacity * vm::kSector));
    append(out, vm::encode_marker(gd_sectors, vm::MarkerType::grain_directory));
    std::uint64_t gd_at = out.size() / 512;
    std::string gd(gd_sectors * 512, '\0');
    if (!directory.empty())  // memcpy from an empty vector's null data() is undefined
        std::memcpy(gd.data(), directory.data(), std::min(gd.size(), directory.size() * 4));
    out += gd;
    append(out, vm::encode_marker(1, vm::MarkerType::footer));
    vm::Header footer = header;
    footer.gd_offset = footer_gd_offset.value_or(gd_at);
    append(out, vm::encode_header(footer));
    append(out, vm::encode_marker(0, vm::MarkerType::end_of_stream));
    return out;
}

void put_u64(std::string& bytes, std::size_t at, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) bytes[at + i] = static_cast<char>(value >> (8 * i));
}

std::string ovf(const std::string& files, const std::string& disks) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
    xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
    xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
    xmlns:vmw="http://www.vmware.com/schema/ovf">
  <References>)" +
           files + R"(</References>
  <DiskSection><Info>disks</Info>)" +
           disks + R"(</DiskSection>
  <NetworkSection><Info>networks</Info><Network ovf:name="VM Network"/></NetworkSection>
  <VirtualSystem ovf:id="node">
    <Info>one VM</Info>
    <OperatingSystemSection ovf:id="96" vmw:osType="debian12_64Guest"><Info>os</Info></OperatingSystemSection>
    <VirtualHardwareSection ovf:transport="com.vmware.guestInfo">
      <Info>hardware</Info>
      <System><vssd:VirtualSystemType>vmx-13</vssd:VirtualSystemType></System>
      <Item><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:ResourceType>17</rasd:ResourceType></Item>
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
)";
}

std::string file_ref(const std::string& href, const std::string& id, const std::string& size) {
    return "<File ovf:href=\"" + href + "\" ovf:id=\"" + id + "\" ovf:size=\"" + size + "\"/>";
}

std::string disk(const std::string& id, const std::string& file_id, const std::string& capacity,
                 const std::string& units) {
    std::string unit_attribute =
        units.empty() ? "" : " ovf:capacityAllocationUnits=\"" + units + "\"";
    return "<Disk ovf:capacity=\"" + capacity + "\"" + unit_attribute + " ovf:diskId=\"" + id +
           "\" ovf:fileRef=\"" + file_id + "\" ovf:format=\"" +
           kiln::exporter::kStreamOptimizedUri + "\"/>";
}

std::string ova(const std::string& ovf_text, const std::string& vmdk_bytes,
                const std::vector<TarEntry>& extra) {
    using kiln::exporter::DigestKind;
    std::string manifest = kiln::exporter::format_manifest(
        {{DigestKind::sha256, "node.ovf", kiln::exporter::digest_hex(DigestKind::sha256, ovf_text)},
         {DigestKind::sha256, "node-disk1.vmdk",
          kiln::exporter::digest_hex(DigestKind::sha256, vmdk_bytes)}});
    std::vector<TarEntry> entries = {
        {"node.ovf", ovf_text}, {"node.mf", manifest}, {"node-disk1.vmdk", vmdk_bytes}};
    entries.insert(entries.end(), extra.begin(), extra.end());
    return ustar(entries);
}

}  // namespace crafted
