#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/profile_options.hpp"
#include "kiln/error.hpp"
#include "kiln/printable.hpp"

namespace kiln::cli {

namespace {

class ValidateCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("profiles", profiles_, "Profile files to check")->required();
        profile_options_.register_options(app);
        app.add_flag("--strict", strict_, "Treat warnings (such as unknown keys) as errors");
        app.add_flag("--json", global.json, "Print the report as JSON");
    }

    int run() override {
        profile::LoadOptions options = profile_options_.load_options();
        bool all_valid = true;
        nlohmann::json results = nlohmann::json::array();
        for (const auto& path : profiles_) {
            SourceFiles sources;
            Report report;
            profile::load(path, options, sources, report);
            if (strict_) report.promote_warnings();
            bool valid = !report.has_errors();
            all_valid = all_valid && valid;
            if (global_->json) {
                nlohmann::json result = report.to_json();
                result["profile"] = printable(path);
                result["valid"] = valid;
                results.push_back(std::move(result));
                continue;
            }
            std::cout << report.format(&sources);
            std::cout << printable(path) << ": " << (valid ? "valid" : "invalid") << " ("
                      << report.error_count() << " error" << (report.error_count() == 1 ? "" : "s")
                      << ", " << report.warning_count() << " warning"
                      << (report.warning_count() == 1 ? "" : "s") << ")\n";
        }
        if (global_->json) std::cout << nlohmann::json{{"profiles", results}}.dump(2) << "\n";
        return all_valid ? 0 : static_cast<int>(ExitCode::invalid_input);
    }

private:
    GlobalOptions* global_ = nullptr;
    std::vector<std::string> profiles_;
    ProfileOptions profile_options_;
    bool strict_ = false;
};

}  // namespace

std::unique_ptr<Command> make_validate_command() {
    return std::make_unique<ValidateCommand>();
}

}  // namespace kiln::cli
