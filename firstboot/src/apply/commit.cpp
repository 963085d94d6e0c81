#include "apply/commit.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <random>

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

// A symlink created under a temporary name, renamed over the target on commit.
class PendingSymlink {
public:
    PendingSymlink(const RootDir& root, const std::filesystem::path& destination,
                   const std::string& target)
        : display_(root.describe(destination)) {
        std::tie(folder_, name_) = root.parent_of(destination);
        temp_ = "." + name_ + ".tmp-" + std::to_string(getpid());
        ::unlinkat(folder_.get(), temp_.c_str(), 0);
        if (::symlinkat(target.c_str(), folder_.get(), temp_.c_str()) != 0)
            throw SystemError("cannot create a symlink beside " + display_, errno);
    }
    ~PendingSymlink() {
        if (!committed_) ::unlinkat(folder_.get(), temp_.c_str(), 0);
    }
    void commit() {
        if (::renameat(folder_.get(), temp_.c_str(), folder_.get(), name_.c_str()) != 0)
            throw SystemError("cannot rename into " + display_, errno);
        committed_ = true;
    }

private:
    UniqueFd folder_;
    std::string name_, temp_, display_;
    bool committed_ = false;
};

}  // namespace

void commit_rendering(const Rendering& rendering, const Accounts& accounts, const RootDir& root,
                      bool set_owners) {
    // Phase 0: every owner is known, and every folder checked, before anything is written.
    std::vector<Owner> file_owners, dir_owners;
    for (const auto& f : rendering.files)
        file_owners.push_back(set_owners ? resolve(accounts, f.owner, f.group, f.path) : Owner{});
    for (const auto& d : rendering.dirs)
        dir_owners.push_back(set_owners ? resolve(accounts, d.owner, d.group, d.path) : Owner{});
    for (const auto& d : rendering.dirs) root.check_real_folder(d.path);

    // Phase 1: directories, then every file under its temporary name.
    for (std::size_t i = 0; i < rendering.dirs.size(); ++i) {
        const auto& d = rendering.dirs[i];
        UniqueFd folder = root.make_directories(d.path, RootDir::LastLink::refuse);
        ::fchmod(folder.get(), d.mode);
        if (set_owners && ::fchown(folder.get(), dir_owners[i].uid, dir_owners[i].gid) != 0)
            throw SystemError("cannot set the owner of " + d.path.string(), errno);
    }
    std::vector<std::unique_ptr<AtomicFile>> files;
    std::vector<std::unique_ptr<PendingSymlink>> links;
    for (std::size_t i = 0; i < rendering.files.size(); ++i) {
        const auto& f = rendering.files[i];
        if (f.symlink) {
            links.push_back(std::make_unique<PendingSymlink>(root, f.path, *f.symlink));
            continue;
        }
        auto file = root.atomic_file(f.path, f.secret ? 0600 : f.mode);
        if (set_owners && ::fchown(file->fd(), file_owners[i].uid, file_owners[i].gid) != 0)
            throw SystemError("cannot set the owner of " + f.path.string(), errno);
        file->write(f.content);
        files.push_back(std::move(file));
    }

    // Phase 2: rename everything into place.
    for (auto& file : files) file->commit();
    for (auto& link : links) link->commit();
}

}  // namespace kiln::firstboot
