#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "export/verify.hpp"
#include "kiln/error.hpp"

namespace kiln::cli {

namespace {

class VerifyCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("artifacts", paths_, "OVA files (or streamOptimized .vmdk files) to check")
            ->required();
        app.add_flag("--json", global.json, "Print the report as JSON");
    }

    int run() override {
        bool all_valid = true;
        nlohmann::json reports = nlohmann::json::array();
        for (const auto& path : paths_) {
            std::filesystem::path p(path);
            exporter::VerifyReport report =
                p.extension() == ".vmdk" ? exporter::verify_vmdk(p) : exporter::verify_ova(p);
            all_valid = all_valid && report.passed();
            if (global_->json)
                reports.push_back(report.to_json());
            else
                std::cout << report.format();
        }
        if (global_->json) std::cout << nlohmann::json{{"artifacts", reports}}.dump(2) << "\n";
        return all_valid ? 0 : static_cast<int>(ExitCode::invalid_input);
    }

private:
    GlobalOptions* global_ = nullptr;
    std::vector<std::string> paths_;
};

}  // namespace

std::unique_ptr<Command> make_verify_command() {
    return std::make_unique<VerifyCommand>();
}

}  // namespace kiln::cli
