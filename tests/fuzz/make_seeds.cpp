// Writes the seeds the fuzz targets start from that are made rather than kept as files: node
// metadata documents in every encoding (from the unit tests' good node), OVAs and VMDKs (the
// export tests' crafted baselines, and a stream with real grains written by the exporter).
// Usage: make_seeds OUTDIR (writes OUTDIR/<target>/<name>).
#include <openssl/evp.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "crafted.hpp"
#include "export/vmdk_writer.hpp"
#include "metadata/formats.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace kiln::exporter;

namespace {

fs::path out_dir;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
    fs::create_directories(out_dir / target);
    std::ofstream(out_dir / target / name, std::ios::binary | std::ios::trunc) << bytes;
}

// A 1 MiB disk whose second and fourth grains hold text, the rest zeros.
class TextDisk final : public SourceDisk {
public:
    TextDisk() : data_(1 << 20, 0) {
        for (std::size_t grain : {1, 3})
            for (std::size_t i = 0; i < vmdk::kGrainBytes; ++i)
                data_[grain * vmdk::kGrainBytes + i] = "kiln postgres patroni\n"[i % 22];
    }
    std::uint64_t size() const override { return data_.size(); }
    const std::string& format() const override { return format_; }
    std::vector<Extent> data_extents() override { return {{0, data_.size()}}; }
    void read(std::uint64_t offset, std::span<std::uint8_t> out) override {
        std::memcpy(out.data(), data_.data() + offset, out.size());
    }

private:
    std::vector<std::uint8_t> data_;
    std::string format_ = "raw";
};

std::string stream_vmdk_with_grains() {
    TextDisk disk;
    FILE* file = std::tmpfile();
    VmdkOptions options;
    options.threads = 1;
    options.extent_file = "node-disk1.vmdk";
    options.identity = "fuzz-seed";
    auto result = write_stream_vmdk(disk, fileno(file), options);
    std::string bytes(result.bytes, '\0');
    if (::pread(fileno(file), bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size()))
        throw std::runtime_error("cannot read the VMDK back");
    std::fclose(file);
    return bytes;
}

std::string ova_around(const std::string& vmdk, std::uint64_t capacity) {
    return crafted::ova(
        crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", std::to_string(vmdk.size())),
                     crafted::disk("vmdisk1", "file1", std::to_string(capacity))),
        vmdk);
}

std::string base64(const std::string& bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The metadata document of the unit tests' good node, as YAML (how kiln metadata writes it)
// and as one-line JSON.
void node_documents() {
    using kiln::firstboot::test::good_values;
    std::string yaml = kiln::firstboot::test::document(good_values());
    std::string json = "{\"instance-id\":\"i-0001\",\"local-hostname\":\"pg-1\",\"kiln\":{";
    for (const auto& [key, value] : good_values())
        json += (json.back() == '{' ? "\"" : ",\"") + key + "\":\"" + value + "\"";
    json += "}}";
    seed("node_document", "good.yml", yaml);
    seed("node_document", "good.json", json);
    // metadata_encoding: the first byte picks the encoding (see its target).
    seed("metadata_encoding", "plain.yml", std::string(1, '\0') + yaml);
    seed("metadata_encoding", "base64", std::string(1, '\1') + base64(yaml));
    seed("metadata_encoding", "gzip-base64",
         std::string(1, '\3') + kiln::metadata::gzip_base64(json));
}

void disks() {
    std::string tiny = crafted::TinyVmdk{}.bytes();
    std::string grains = stream_vmdk_with_grains();
    seed("verify_vmdk", "tiny.vmdk", tiny);
    seed("verify_vmdk", "grains.vmdk", grains);
    seed("verify_ova", "tiny.ova", ova_around(tiny, 65536));
    seed("verify_ova", "grains.ova", ova_around(grains, 1 << 20));
    seed("verify_ovf", "crafted.ovf",
         crafted::ovf(crafted::file_ref("node-disk1.vmdk", "file1", "65536"),
                      crafted::disk("vmdisk1", "file1", "1", "byte * 2^30")));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_seeds OUTDIR\n";
        return 2;
    }
    out_dir = argv[1];
    node_documents();
    disks();
    return 0;
}
