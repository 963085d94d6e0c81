#include "run/netns_http.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <mutex>

#include "kiln/error.hpp"
#include "kiln/unique_fd.hpp"

namespace kiln::run {

namespace {

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct SocketTarget {
    int netns_fd = -1;
    int host_fd = -1;
};

// Makes the socket inside the cluster's namespace, then returns this thread to the host's.
curl_socket_t open_socket_in_netns(void* clientp, curlsocktype, curl_sockaddr* address) {
    auto* target = static_cast<SocketTarget*>(clientp);
    if (::setns(target->netns_fd, CLONE_NEWNET) != 0) return CURL_SOCKET_BAD;
    int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
    if (::setns(target->host_fd, CLONE_NEWNET) != 0) {
        // A thread left in the cluster's namespace would make every later socket there.
        if (fd >= 0) ::close(fd);
        std::abort();
    }
    return fd < 0 ? CURL_SOCKET_BAD : fd;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* userdata) {
    static_cast<std::string*>(userdata)->append(data, size * count);
    return size * count;
}

// The cluster's namespace and the host's, held open for the socket callback.
class NamespaceFds {
public:
    explicit NamespaceFds(const std::string& netns)
        : netns_(::open(netns.c_str(), O_RDONLY | O_CLOEXEC)),
          host_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) {
        if (!netns_) throw SystemError("cannot open " + netns, errno);
        if (!host_) throw SystemError("cannot open /proc/self/ns/net", errno);
        target.netns_fd = netns_.get();
        target.host_fd = host_.get();
    }

    SocketTarget target;

private:
    UniqueFd netns_, host_;
};

}  // namespace

NetnsHttp::NetnsHttp(std::string netns, std::string ca_file,
                     std::optional<ClientCertificate> client)
    : netns_(std::move(netns)), ca_file_(std::move(ca_file)), client_(std::move(client)) {
    init_curl_once();
}

HttpResponse NetnsHttp::get(const std::string& url, std::chrono::seconds timeout) const {
    return perform("GET", url, nullptr, std::nullopt, timeout);
}

HttpResponse NetnsHttp::post_json(const std::string& url, const std::string& body,
                                  const std::optional<BasicAuth>& auth,
                                  std::chrono::seconds timeout) const {
    return perform("POST", url, &body, auth, timeout);
}

HttpResponse NetnsHttp::perform(const std::string& method, const std::string& url,
                                const std::string* body, const std::optional<BasicAuth>& auth,
                                std::chrono::seconds timeout) const {
    NamespaceFds fds(netns_);
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) throw Error("cannot start an HTTP request (libcurl)");
    HttpResponse response;
    char error[CURL_ERROR_SIZE] = {};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket_in_netns);
    curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, &fds.target);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    if (!ca_file_.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
    if (client_) {
        // libcurl copies a blob given with CURL_BLOB_COPY and never writes to it.
        curl_blob certificate{const_cast<char*>(client_->certificate_pem.data()),
                              client_->certificate_pem.size(), CURL_BLOB_COPY};
        curl_blob key{const_cast<char*>(client_->key_pem.data()), client_->key_pem.size(),
                      CURL_BLOB_COPY};
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &certificate);
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
    std::unique_ptr<curl_slist, HeaderListDeleter> headers;
    if (body) {
        headers.reset(curl_slist_append(nullptr, "Content-Type: application/json"));
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (auth) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, auth->user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, auth->password.c_str());
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        response.error = error[0] ? error : curl_easy_strerror(rc);
        return response;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
}

}  // namespace kiln::run
