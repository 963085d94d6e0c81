#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/load_profile.hpp"
#include "cli/plan_inputs.hpp"
#include "cli/profile_options.hpp"
#include "kiln/printable.hpp"
#include "plan/planner.hpp"

namespace kiln::cli {

namespace {

class PlanCommand final : public Command {
public:
    void register_options(CLI::App& app, GlobalOptions& global) override {
        global_ = &global;
        app.add_option("profile", profile_, "Profile file")->required();
        profile_options_.register_options(app);
        plan_inputs_.register_options(app);
        app.add_flag("--json", global.json, "Print the plan as JSON");
    }

    int run() override {
        profile::Profile profile =
            load_profile_or_throw(profile_, profile_options_.load_options(), global_->json);
        plan::Plan plan = plan::make_plan(profile, plan_inputs_.resolve());
        if (global_->json) {
            nlohmann::json ops = nlohmann::json::array();
            for (const auto& op : plan.operations) {
                nlohmann::json inputs = nlohmann::json::object();
                for (const auto& [k, v] : plan::inputs_of(op.action)) inputs[k] = v;
                ops.push_back({{"stage", plan::to_string(op.stage)},
                               {"operation", op.name()},
                               {"summary", op.summary},
                               {"digest", op.digest},
                               {"inputs", inputs},
                               {"source", op.where.str()}});
            }
            nlohmann::json document = {{"profile", plan.profile_name},
                                       {"profile_digest", plan.profile_digest},
                                       {"package_layer_digest", plan.package_layer_digest},
                                       {"source_date_epoch", plan.source_date_epoch.seconds},
                                       {"operations", ops}};
            std::cout << printable_json(document).dump(2) << "\n";
            return 0;
        }
        std::cout << fmt::format("plan for {} (profile digest {}, package layer {})\n",
                                 printable(plan.profile_name), plan.profile_digest.substr(0, 16),
                                 plan.package_layer_digest.substr(0, 16));
        std::cout << "SOURCE_DATE_EPOCH " << profile::describe(plan.source_date_epoch) << "\n";
        std::cout << fmt::format("{:>3}  {:<10} {:<28} {:<12}  {}\n", "#", "STAGE", "OPERATION",
                                 "DIGEST", "WHAT");
        int n = 0;
        for (const auto& op : plan.operations)
            std::cout << fmt::format("{:>3}  {:<10} {:<28} {:<12}  {}\n", ++n,
                                     plan::to_string(op.stage), op.name(), op.digest.substr(0, 12),
                                     printable(op.summary));
        return 0;
    }

private:
    GlobalOptions* global_ = nullptr;
    std::string profile_;
    ProfileOptions profile_options_;
    PlanInputOptions plan_inputs_;
};

}  // namespace

std::unique_ptr<Command> make_plan_command() {
    return std::make_unique<PlanCommand>();
}

}  // namespace kiln::cli
