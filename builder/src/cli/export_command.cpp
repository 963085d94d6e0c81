#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/command.hpp"
#include "cli/load_profile.hpp"
#include "cli/profile_options.hpp"
#include "export/exporter.hpp"
#include "export/profile_export.hpp"
#include "kiln/enum_names.hpp"
#include "kiln/error.hpp"

namespace kiln::cli {

namespace {

class ExportCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("disk", disk_, "The disk to export (any format QEMU reads)")->required();
        app.add_option("-o,--output", output_, "The artifact to write (appears only when complete)")
            ->required();
        app.add_option("--format", format_,
                       "ova, vmdk or qcow2 (default: from the output's extension, else ova)")
            ->check(CLI::IsMember(enum_names<profile::OutputFormat>()));
        app.add_option("--input-format", input_format_,
                       "The disk's format (default: from the extension .raw, .qcow2, .vmdk, .vdi, "
                       ".vhdx, .vhd, .qed, else detected by qemu-img)");
        app.add_flag("--allow-external-files", allow_external_files_,
                     "Let the disk read other files it names: a backing chain, a qcow2 data "
                     "file, VMDK extents (refused by default)");
        app.add_option("--profile", profile_,
                       "Take VM hardware and OVF properties from this profile's ova output");
        profile_options_.register_options(app);
        app.add_option("--name", name_,
                       "VM name (default: the profile's, else the output's file name)");
        app.add_option("--threads", threads_, "Compression threads (default: one per core)")
            ->check(CLI::Range(1, 256));
        app.add_option("--level", level_, "Deflate level 1-12 (default 4; 6 is zlib's default)")
            ->check(CLI::Range(1, 12));
        app.add_option("--manifest", manifest_,
                       "Manifest digest: sha256 (default) or sha1 for very old ESXi")
            ->check(CLI::IsMember({"sha256", "sha1"}));
        app.add_option("--scsi", scsi_, "SCSI controller: lsilogic (default) or pvscsi")
            ->check(CLI::IsMember({"lsilogic", "pvscsi"}));
        app.add_option("--sign", key_,
                       "Sign the manifest with this PEM private key (needs --cert)");
        app.add_option("--cert", cert_,
                       "PEM certificate of the signing key, stored in the .cert member");
        app.add_flag("--json", global.json, "Print the result as JSON");
    }

    int run() override {
        exporter::ExportRequest r;
        r.source = disk_;
        r.source_format = input_format_;
        r.allow_external_files = allow_external_files_;
        r.output = output_;
        std::string format = format_;
        if (format.empty() && r.output.has_extension())
            format = r.output.extension().string().substr(1);
        r.format = parse_enum<profile::OutputFormat>(format).value_or(profile::OutputFormat::ova);
        if (key_.empty() != cert_.empty()) throw UsageError("--sign and --cert go together");
        if (!key_.empty()) {
            if (r.format != profile::OutputFormat::ova)
                throw UsageError("--sign applies to --format ova only");
            r.signing = exporter::Signing{key_, cert_};
        }

        if (!profile_.empty()) {
            auto profile =
                load_profile_or_throw(profile_, profile_options_.load_options(), global_->json);
            const profile::Output* ova = nullptr;
            for (const auto& o : profile.outputs)
                if (o.format == profile::OutputFormat::ova) ova = &o;
            r.ovf = ova && ova->ovf ? exporter::ovf_settings_for(profile, *ova->ovf)
                                    : exporter::default_ovf_settings(profile.name.value);
        } else {
            r.ovf = exporter::default_ovf_settings(r.output.stem().string());
        }
        if (!name_.empty()) r.ovf.vm_name = name_;
        if (!scsi_.empty()) r.ovf.scsi = scsi_;
        r.threads = threads_;
        r.level = level_;
        r.manifest =
            manifest_ == "sha1" ? exporter::DigestKind::sha1 : exporter::DigestKind::sha256;

        bool tty = !global_->json && ::isatty(STDERR_FILENO);
        int last_percent = -1;
        if (tty)
            r.progress = [&](std::uint64_t done, std::uint64_t total) {
                int percent = total ? static_cast<int>(done * 100 / total) : 100;
                if (percent == last_percent) return;
                last_percent = percent;
                std::fprintf(stderr, "\rkiln: exporting %s: %3d%%", disk_.c_str(), percent);
            };

        exporter::ExportResult result = exporter::export_disk(r);
        if (tty) std::fprintf(stderr, "\n");
        unsigned threads = threads_ ? threads_ : std::max(1u, std::thread::hardware_concurrency());
        if (global_->json) {
            nlohmann::json j = {{"output", result.output.string()},
                                {"format", to_string(r.format)},
                                {"bytes", result.bytes},
                                {"sha256", result.sha256},
                                {"members", result.members},
                                {"seconds", result.seconds}};
            if (result.vmdk)
                j["vmdk"] = {{"bytes", result.vmdk->bytes},
                             {"capacity", result.vmdk->capacity},
                             {"data_bytes", result.vmdk->data_bytes},
                             {"populated", result.vmdk->populated},
                             {"grains", result.vmdk->grains},
                             {"sha256", result.vmdk->sha256},
                             {"threads", threads}};
            std::cout << j.dump(2) << "\n";
            return 0;
        }
        std::cout << result.output.string() << ": " << to_string(r.format) << ", " << result.bytes
                  << " bytes, sha256 " << result.sha256 << "\n";
        if (result.vmdk) {
            const auto& v = *result.vmdk;
            double mb = static_cast<double>(v.data_bytes) / 1e6;
            std::printf(
                "  disk: %llu bytes virtual, %.1f MB allocated read, %llu grains, VMDK %llu bytes, "
                "%.1f s (%.1f MB/s with %u thread%s)\n",
                static_cast<unsigned long long>(v.capacity), mb,
                static_cast<unsigned long long>(v.grains), static_cast<unsigned long long>(v.bytes),
                v.seconds, v.seconds > 0 ? mb / v.seconds : 0.0, threads, threads == 1 ? "" : "s");
        }
        for (const auto& m : result.members) std::cout << "  " << m << "\n";
        return 0;
    }

private:
    GlobalOptions* global_ = nullptr;
    std::string disk_, output_, format_, input_format_, profile_, name_, manifest_, scsi_, key_,
        cert_;
    ProfileOptions profile_options_;
    bool allow_external_files_ = false;
    unsigned threads_ = 0;
    int level_ = exporter::kDefaultLevel;
};

}  // namespace

std::unique_ptr<Command> make_export_command() {
    return std::make_unique<ExportCommand>();
}

}  // namespace kiln::cli
