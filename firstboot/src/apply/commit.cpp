#include "apply/commit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <random>

#include "core/files.hpp"
#include "kiln/atomic_file.hpp"
#include "kiln/error.hpp"

namespace kiln::firstboot {

namespace {

struct Owner {
    unsigned uid = 0;
    unsigned gid = 0;
};

Owner resolve(const Accounts& accounts, const std::string& user, const std::string& group,
              const std::filesystem::path& what) {
    auto account = accounts.user(user);
    if (!account)
        throw Error("cannot set the owner of " + what.string() + ": no user '" + user +
                    "' in /etc/passwd");
    Owner owner{account->uid, account->gid};
    if (!group.empty()) {
        auto g = accounts.group(group);
        if (!g)
            throw Error("cannot set the group of " + what.string() + ": no group '" + group +
                        "' in /etc/group");
        owner.gid = g->gid;
    }
    return owner;
}

void make_directories(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw SystemError("cannot create " + dir.string(), ec.value());
}

// A symlink created under a temporary name, renamed over the target on commit.
class PendingSymlink {
public:
    PendingSymlink(const std::filesystem::path& destination, const std::string& target)
        : destination_(destination) {
        temp_ = destination.parent_path() /
                ("." + destination.filename().string() + ".tmp-" + std::to_string(getpid()));
        ::unlink(temp_.c_str());
        if (::symlink(target.c_str(), temp_.c_str()) != 0)
            throw SystemError("cannot create a symlink beside " + destination.string(), errno);
    }
    ~PendingSymlink() {
        if (!committed_) ::unlink(temp_.c_str());
    }
    void commit() {
        if (::rename(temp_.c_str(), destination_.c_str()) != 0)
            throw SystemError("cannot rename into " + destination_.string(), errno);
        committed_ = true;
    }

private:
    std::filesystem::path destination_, temp_;
    bool committed_ = false;
};

}  // namespace

void commit_rendering(const Rendering& rendering, const Accounts& accounts,
                      const CommitOptions& options) {
    // Phase 0: every owner is known before anything is written.
    std::vector<Owner> file_owners, dir_owners;
    for (const auto& f : rendering.files)
        file_owners.push_back(options.set_owners ? resolve(accounts, f.owner, f.group, f.path)
                                                 : Owner{});
    for (const auto& d : rendering.dirs)
        dir_owners.push_back(options.set_owners ? resolve(accounts, d.owner, d.group, d.path)
                                                : Owner{});

    // Phase 1: directories, then every file under its temporary name.
    for (std::size_t i = 0; i < rendering.dirs.size(); ++i) {
        const auto& d = rendering.dirs[i];
        auto path = under_root(options.root, d.path);
        make_directories(path);
        ::chmod(path.c_str(), d.mode);
        if (options.set_owners && ::chown(path.c_str(), dir_owners[i].uid, dir_owners[i].gid) != 0)
            throw SystemError("cannot set the owner of " + d.path.string(), errno);
    }
    std::vector<std::unique_ptr<AtomicFile>> files;
    std::vector<std::unique_ptr<PendingSymlink>> links;
    for (std::size_t i = 0; i < rendering.files.size(); ++i) {
        const auto& f = rendering.files[i];
        auto path = under_root(options.root, f.path);
        make_directories(path.parent_path());
        if (f.symlink) {
            links.push_back(std::make_unique<PendingSymlink>(path, *f.symlink));
            continue;
        }
        auto file = std::make_unique<AtomicFile>(path, f.secret ? 0600 : f.mode);
        if (options.set_owners && ::fchown(file->fd(), file_owners[i].uid, file_owners[i].gid) != 0)
            throw SystemError("cannot set the owner of " + f.path.string(), errno);
        file->write(f.content);
        files.push_back(std::move(file));
    }

    // Phase 2: rename everything into place.
    for (auto& file : files) file->commit();
    for (auto& link : links) link->commit();
}

}  // namespace kiln::firstboot
