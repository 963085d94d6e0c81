#pragma once

#include <chrono>
#include <optional>
#include <string>

// HTTP requests to the cluster's private network from the host: the connection's socket is made
// inside the cluster's network namespace (a socket belongs to the namespace it was created in),
// so no port has to be relayed. libcurl does the HTTP; credentials never reach an argv.
namespace kiln::run {

struct HttpResponse {
    long status = 0;  // 0 when no answer came (refused, timed out)
    std::string body;
    std::string error;  // libcurl's reason when status is 0
};

struct BasicAuth {
    std::string user;
    std::string password;
};

// A TLS client certificate and its key, PEM, handed to libcurl in memory (never a file).
struct ClientCertificate {
    std::string certificate_pem;
    std::string key_pem;
};

class NetnsHttp {
public:
    // `netns` is a namespace file such as /run/netns/kiln-demo; https URLs are verified against
    // `ca_file` (the cluster CA) when one is named, and present `client` when one is given.
    explicit NetnsHttp(std::string netns, std::string ca_file = {},
                       std::optional<ClientCertificate> client = std::nullopt);

    HttpResponse get(const std::string& url, std::chrono::seconds timeout) const;
    HttpResponse post_json(const std::string& url, const std::string& body,
                           const std::optional<BasicAuth>& auth,
                           std::chrono::seconds timeout) const;

private:
    HttpResponse perform(const std::string& method, const std::string& url, const std::string* body,
                         const std::optional<BasicAuth>& auth, std::chrono::seconds timeout) const;

    std::string netns_;
    std::string ca_file_;
    std::optional<ClientCertificate> client_;
};

}  // namespace kiln::run
