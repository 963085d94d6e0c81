#include "export/signature.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "export/ova_manifest.hpp"
#include "kiln/error.hpp"
#include "kiln/openssl.hpp"
#include "kiln/sha256.hpp"

namespace kiln::exporter {

namespace {

using Bio = openssl::Memory;
using Key = openssl::Key;
using Cert = openssl::Certificate;
using MdCtx = std::unique_ptr<EVP_MD_CTX, openssl::Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;

std::string openssl_error() {
    return openssl::last_error("unknown error");
}

std::string read_file(const std::filesystem::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InvalidInput("cannot read " + std::string(what) + " " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

Bio memory_bio(std::string_view text) {
    return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

const EVP_MD* md_for(DigestKind kind) {
    return kind == DigestKind::sha1 ? EVP_sha1() : EVP_sha256();
}

std::vector<unsigned char> from_hex(std::string_view hex) {
    std::vector<unsigned char> out;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    if (hex.size() % 2) return {};
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return out;
}

}  // namespace

std::string sign_manifest(std::string_view manifest, const std::string& manifest_name,
                          DigestKind kind, const std::filesystem::path& key_pem,
                          const std::filesystem::path& cert_pem) {
    std::string key_text = read_file(key_pem, "signing key");
    std::string cert_text = read_file(cert_pem, "certificate");
    Bio key_bio = memory_bio(key_text);
    Key key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    if (!key)
        throw InvalidInput(
            key_pem.string() +
            " is not a PEM private key (or it needs a passphrase): " + openssl_error());
    Bio cert_bio = memory_bio(cert_text);
    Cert cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        throw InvalidInput(cert_pem.string() + " is not a PEM certificate: " + openssl_error());
    if (X509_check_private_key(cert.get(), key.get()) != 1)
        throw InvalidInput("the key " + key_pem.string() + " does not belong to the certificate " +
                           cert_pem.string());

    MdCtx ctx(EVP_MD_CTX_new());
    std::size_t length = 0;
    const auto* data = reinterpret_cast<const unsigned char*>(manifest.data());
    if (EVP_DigestSignInit(ctx.get(), nullptr, md_for(kind), nullptr, key.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length, data, manifest.size()) != 1)
        throw Error("cannot sign the manifest: " + openssl_error());
    std::vector<unsigned char> signature(length);
    if (EVP_DigestSign(ctx.get(), signature.data(), &length, data, manifest.size()) != 1)
        throw Error("cannot sign the manifest: " + openssl_error());
    signature.resize(length);

    Bio out(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(out.get(), cert.get());
    char* pem = nullptr;
    long pem_length = BIO_get_mem_data(out.get(), &pem);
    return format_manifest({{kind, manifest_name, to_hex(signature)}}) +
           std::string(pem, static_cast<std::size_t>(pem_length));
}

SignatureCheck verify_manifest_signature(std::string_view member, std::string_view manifest,
                                         const std::string& manifest_name) {
    SignatureCheck check;
    // "SHA256(NAME.mf)= HEX": like a manifest line, but the hex is a signature, not a digest.
    std::size_t newline = member.find('\n');
    std::string_view first = member.substr(0, newline);
    std::size_t open = first.find('(');
    std::size_t close = first.rfind(")= ");
    auto kind = parse_enum<DigestKind>(first.substr(0, open == std::string_view::npos ? 0 : open));
    if (newline == std::string_view::npos || open == std::string_view::npos ||
        close == std::string_view::npos || close < open || !kind) {
        check.problem = "the first line is not 'SHA256(" + manifest_name + ")= SIGNATURE'";
        return check;
    }
    std::optional<ManifestEntry> line =
        ManifestEntry{*kind, std::string(first.substr(open + 1, close - open - 1)),
                      std::string(first.substr(close + 3))};
    if (line->name != manifest_name) {
        check.problem =
            "the signature names '" + line->name + "', not the manifest " + manifest_name;
        return check;
    }
    std::vector<unsigned char> signature = from_hex(line->hex);
    if (signature.empty()) {
        check.problem = "the signature is not hexadecimal";
        return check;
    }
    std::string_view pem = member.substr(newline + 1);
    Bio bio = memory_bio(pem);
    Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        check.problem = "no PEM certificate after the signature line: " + openssl_error();
        return check;
    }
    char subject[512];
    X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof subject);
    check.subject = subject;
    check.self_signed = X509_check_issued(cert.get(), cert.get()) == X509_V_OK;
    Key key(X509_get_pubkey(cert.get()));
    MdCtx ctx(EVP_MD_CTX_new());
    if (!key ||
        EVP_DigestVerifyInit(ctx.get(), nullptr, md_for(line->kind), nullptr, key.get()) != 1) {
        check.problem = "cannot use the certificate's public key: " + openssl_error();
        return check;
    }
    int rc =
        EVP_DigestVerify(ctx.get(), signature.data(), signature.size(),
                         reinterpret_cast<const unsigned char*>(manifest.data()), manifest.size());
    ERR_clear_error();
    if (rc != 1) {
        check.problem = "the signature does not match the manifest";
        return check;
    }
    check.valid = true;
    return check;
}

}  // namespace kiln::exporter
