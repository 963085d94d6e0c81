#include "bake/executor.hpp"

#include "bake/export_outputs.hpp"
#include "bake/guest/mounted_disk.hpp"
#include "bake/steps/bootstrap.hpp"
#include "bake/steps/firstboot_install.hpp"
#include "bake/steps/image_base.hpp"
#include "bake/steps/overlays.hpp"
#include "bake/steps/packages.hpp"
#include "bake/steps/scripts.hpp"
#include "bake/steps/seal.hpp"
#include "bake/steps/selinux.hpp"
#include "bake/steps/settings.hpp"
#include "bake/steps/units.hpp"
#include "bake/tree_disk.hpp"

namespace kiln::bake {

void Executor::run(const NumberedOperations& operations) {
    for (const auto& [index, op] : operations) {
        throw_if_interrupted();
        current_ = op;
        ctx_.note.clear();
        ctx_.progress.begin(*op, index);
        std::visit(*this, op->action);
        ctx_.progress.end(*op, OpStatus::done, ctx_.note);
        current_ = nullptr;
    }
}

void Executor::skip_cached(const NumberedOperations& operations, const std::string& note) {
    for (const auto& [index, op] : operations) {
        ctx_.progress.begin(*op, index);
        ctx_.progress.end(*op, OpStatus::cached, note);
    }
}

Context& Executor::in_guest() {
    need(ctx_.root, "guest");
    return ctx_;
}

template <class Place>
Place& Executor::need(Place* place, const char* what) {
    if (!place)
        throw Error("the plan runs " + current_->name() + " where this build has no " + what);
    return *place;
}

void Executor::operator()(const plan::Bootstrap& a) {
    run_bootstrap(ctx_, a, current_->where, package_cache);
}

void Executor::operator()(const plan::ImportImage& a) {
    need(image_base, "image base").import(a);
}

void Executor::operator()(const plan::ResizeDisk& a) {
    need(image_base, "image base").resize(a);
}

void Executor::operator()(const plan::AddRepository& a) {
    add_repository(in_guest(), a);
}

void Executor::operator()(const plan::InstallPackages& a) {
    install_packages(in_guest(), a);
}

void Executor::operator()(const plan::RemovePackages& a) {
    remove_packages(in_guest(), a);
}

void Executor::operator()(const plan::CopyOverlay& a) {
    apply_overlay(in_guest(), a);
}

void Executor::operator()(const plan::SetTimezone& a) {
    set_timezone(in_guest(), a.timezone);
}

void Executor::operator()(const plan::SetLocale& a) {
    set_locale(in_guest(), a.locale);
}

void Executor::operator()(const plan::ConfigureNtp& a) {
    configure_ntp(in_guest(), a.servers);
}

void Executor::operator()(const plan::ConfigureZabbixAgent& a) {
    configure_zabbix_agent(in_guest(), a.server);
}

void Executor::operator()(const plan::SetHostname& a) {
    set_hostname(in_guest(), a.hostname);
}

void Executor::operator()(const plan::ApplyUnits& a) {
    apply_units(in_guest(), a.action, a.units);
}

void Executor::operator()(const plan::RunScript& a) {
    run_script(in_guest(), a, current_->where);
}

void Executor::operator()(const plan::InstallFirstboot& a) {
    install_firstboot(in_guest(), a, current_->where);
}

void Executor::operator()(const plan::WriteNodeDefaults& a) {
    write_node_defaults(in_guest(), a);
}

void Executor::operator()(const plan::ConfigureDataDisk& a) {
    configure_data_disk(in_guest(), a);
}

void Executor::operator()(const plan::DisableClusterServices& a) {
    disable_cluster_services(in_guest(), a);
}

void Executor::operator()(const plan::SealEtcdData&) {
    seal_etcd_data(in_guest());
}

void Executor::operator()(const plan::SealPostgresqlClusters&) {
    seal_postgresql_clusters(in_guest());
}

void Executor::operator()(const plan::RunSysprep& a) {
    ctx_.note = a.operation->perform(*in_guest().root);
}

void Executor::operator()(const plan::MakeDisk& a) {
    need(tree_disk, "disk made from a tree").make(a);
}

void Executor::operator()(const plan::InstallBootloader& a) {
    need(tree_disk, "disk made from a tree").install_bootloader(a);
}

void Executor::operator()(const plan::SelinuxRelabel&) {
    if (tree_disk) {
        ctx_.note = tree_disk->relabel_note();
        return;
    }
    selinux_relabel(ctx_, need(finished_disk, "finished disk"));
}

void Executor::operator()(const plan::TrimFreeSpace&) {
    ctx_.note = need(finished_disk, "finished disk").trim_free_space();
}

void Executor::operator()(const plan::WriteOutput& a) {
    ctx_.note = need(outputs, "disk to write outputs from").write(a);
}

}  // namespace kiln::bake
