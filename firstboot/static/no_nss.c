/* Linked into the static kiln-firstboot only. glibc's NSS functions, statically linked, would
 * dlopen() the target's own libnss_*.so at run time (glibc 2.17 on CentOS 7: a mismatch that
 * crashes). kiln-firstboot reads /etc/passwd and /etc/group itself, and never resolves host
 * names; libsystemd.a and libcrypto.a merely reference these on paths kiln does not take. These
 * definitions replace glibc's so that nothing can reach NSS: every lookup finds nothing. */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stddef.h>

struct passwd* getpwnam(const char* name) {
    (void)name;
    errno = ENOENT;
    return NULL;
}
struct passwd* getpwuid(uid_t uid) {
    (void)uid;
    errno = ENOENT;
    return NULL;
}
int getpwnam_r(const char* name, struct passwd* pwd, char* buf, size_t len, struct passwd** result) {
    (void)name, (void)pwd, (void)buf, (void)len;
    *result = NULL;
    return 0;
}
int getpwuid_r(uid_t uid, struct passwd* pwd, char* buf, size_t len, struct passwd** result) {
    (void)uid, (void)pwd, (void)buf, (void)len;
    *result = NULL;
    return 0;
}
struct group* getgrnam(const char* name) {
    (void)name;
    errno = ENOENT;
    return NULL;
}
struct group* getgrgid(gid_t gid) {
    (void)gid;
    errno = ENOENT;
    return NULL;
}
int getgrnam_r(const char* name, struct group* grp, char* buf, size_t len, struct group** result) {
    (void)name, (void)grp, (void)buf, (void)len;
    *result = NULL;
    return 0;
}
int getgrgid_r(gid_t gid, struct group* grp, char* buf, size_t len, struct group** result) {
    (void)gid, (void)grp, (void)buf, (void)len;
    *result = NULL;
    return 0;
}
int getaddrinfo(const char* node, const char* service, const struct addrinfo* hints, struct addrinfo** res) {
    (void)node, (void)service, (void)hints;
    *res = NULL;
    return EAI_NONAME;
}
void freeaddrinfo(struct addrinfo* res) { (void)res; }
struct hostent* gethostbyname(const char* name) {
    (void)name;
    h_errno = HOST_NOT_FOUND;
    return NULL;
}
