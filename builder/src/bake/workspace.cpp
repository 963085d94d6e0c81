#include "bake/workspace.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <random>
#include <regex>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::bake {

namespace fs = std::filesystem;

bool process_alive(long pid) {
    if (pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

Workspace::Workspace(const fs::path& parent, bool keep) : keep_(keep) {
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw SystemError("cannot create " + parent.string(), ec.value());
    remove_stale(parent);
    std::mt19937 engine{std::random_device{}()};
    path_ =
        parent / ("build-" + std::to_string(::getpid()) + "-" + std::to_string(engine() % 100000));
    fs::create_directory(path_, ec);
    if (ec) throw SystemError("cannot create " + path_.string(), ec.value());
}

Workspace::~Workspace() {
    if (keep_) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

void Workspace::remove_stale(const fs::path& parent) {
    static const std::regex name(R"(build-(\d+)-\d+)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        std::smatch m;
        std::string n = entry.path().filename().string();
        if (!std::regex_match(n, m, name)) continue;
        if (process_alive(std::stol(m[1]))) continue;
        // Tools a SIGKILLed build left running (their group) stop before their folder goes.
        std::ifstream record(entry.path() / "tool.pgid");
        long pgid = 0;
        if (record >> pgid && pgid > 1) {
            ::kill(static_cast<pid_t>(-pgid), SIGKILL);
            ::usleep(200000);
        }
        fs::remove_all(entry.path(), ec);
    }
}

StagedOutputs::StagedOutputs(fs::path directory) : directory_(std::move(directory)) {
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (ec) throw SystemError("cannot create the output folder " + directory_.string(), ec.value());
    remove_stale(directory_);
}

StagedOutputs::~StagedOutputs() {
    if (committed_) return;
    for (const auto& [temp, final_path] : files_) ::unlink(temp.c_str());
}

fs::path StagedOutputs::stage(const std::string& file_name) {
    fs::path temp = directory_ / ("." + file_name + ".kiln-" + std::to_string(::getpid()) + ".tmp");
    ::unlink(temp.c_str());
    files_.emplace_back(temp, directory_ / file_name);
    return temp;
}

void StagedOutputs::commit() {
    for (const auto& [temp, final_path] : files_) {
        UniqueFd file(::open(temp.c_str(), O_RDONLY | O_CLOEXEC));
        if (file) ::fsync(file.get());
    }
    for (const auto& [temp, final_path] : files_)
        if (::rename(temp.c_str(), final_path.c_str()) != 0)
            throw SystemError("cannot move " + temp.string() + " to " + final_path.string(), errno);
    UniqueFd dir(::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
    committed_ = true;
}

void StagedOutputs::remove_stale(const fs::path& directory) {
    static const std::regex name(R"(\..+\.kiln-(\d+)\.tmp)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(directory, ec)) {
        std::smatch m;
        std::string n = entry.path().filename().string();
        if (!std::regex_match(n, m, name)) continue;
        if (process_alive(std::stol(m[1]))) continue;
        fs::remove(entry.path(), ec);
    }
}

}  // namespace kiln::bake
