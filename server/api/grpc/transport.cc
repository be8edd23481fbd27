#include "server/api/grpc/transport.h"

#include <grpcpp/security/server_credentials.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace clientele::server {
namespace {

absl::StatusOr<std::string> ReadFile(std::string_view what, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat(what, " '", path, "' cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return absl::InvalidArgumentError(StrCat(what, " '", path, "' is empty"));
  return text.str();
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Deleter {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(const std::string& pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::unique_ptr<X509, X509Deleter> FirstCertificate(const std::string& pem) {
  auto bio = MemoryBio(pem);
  return std::unique_ptr<X509, X509Deleter>(
      bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// The certificate parses and the key is its own.
absl::Status CheckKeyPair(const TlsFiles& files, const std::string& cert_pem,
                          const std::string& key_pem) {
  auto cert = FirstCertificate(cert_pem);
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        StrCat("tls.cert '", files.cert, "' holds no PEM certificate"));
  }
  auto bio = MemoryBio(key_pem);
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr) {
    return absl::InvalidArgumentError(StrCat(
        "tls.key '", files.key, "' holds no PEM private key (or one protected by a passphrase)"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(StrCat(
        "tls.key '", files.key, "' is not the key of the certificate in '", files.cert, "'"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const TransportOptions& transport) {
  if (!transport.tls.has_value()) {
    // Plain text only when asked for (LoadServerConfig makes sure of it).
    if (!transport.plaintext) {
      return absl::FailedPreconditionError("neither tls nor plaintext: true is configured");
    }
    return grpc::InsecureServerCredentials();
  }
  const TlsFiles& files = *transport.tls;
  absl::StatusOr<std::string> cert = ReadFile("tls.cert", files.cert);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile("tls.key", files.key);
  if (!key.ok()) return key.status();
  if (absl::Status s = CheckKeyPair(files, *cert, *key); !s.ok()) return s;

  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!files.client_ca.empty()) {
    absl::StatusOr<std::string> ca = ReadFile("tls.client_ca", files.client_ca);
    if (!ca.ok()) return ca.status();
    if (FirstCertificate(*ca) == nullptr) {
      return absl::InvalidArgumentError(
          StrCat("tls.client_ca '", files.client_ca, "' holds no PEM certificate"));
    }
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

std::string TransportName(const TransportOptions& transport) {
  if (!transport.tls.has_value()) return "plaintext";
  return transport.tls->client_ca.empty() ? "tls" : "mutual tls";
}

}  // namespace clientele::server
