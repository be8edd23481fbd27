#include "client/connection.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_interceptor.h>

#include <fstream>
#include <sstream>

#include "common/strings.h"

namespace clientele::client {
namespace {

using grpc::experimental::ClientInterceptorFactoryInterface;
using grpc::experimental::ClientRpcInfo;
using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::Interceptor;
using grpc::experimental::InterceptorBatchMethods;

// Adds the authorization metadata to every call. gRPC's own call
// credentials are not sent over plain text, which clienteled allows on
// loopback, so the token goes in by an interceptor on both transports.
class BearerTokenInterceptor final : public Interceptor {
 public:
  explicit BearerTokenInterceptor(std::string header) : header_(std::move(header)) {}
  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->emplace("authorization", header_);
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class BearerTokenFactory final : public ClientInterceptorFactoryInterface {
 public:
  explicit BearerTokenFactory(std::string token) : header_("Bearer " + std::move(token)) {}
  Interceptor* CreateClientInterceptor(ClientRpcInfo*) override {
    return new BearerTokenInterceptor(header_);
  }

 private:
  const std::string header_;
};

absl::StatusOr<std::string> ReadPem(std::string_view option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    return absl::InvalidArgumentError(StrCat(option, ": cannot read '", path, "'"));
  }
  return text.str();
}

// Printable ASCII without spaces: what a token in metadata can be.
bool IsMetadataSafe(std::string_view token) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> Credentials(
    const ConnectionOptions& options, grpc::ChannelArguments* arguments) {
  const bool tls = options.tls || !options.ca_file.empty() || !options.cert_file.empty() ||
                   !options.key_file.empty() || !options.tls_server_name.empty();
  if (!tls) {
    // A token in clear text over a network can be read on the way.
    const std::string_view host =
        std::string_view(options.server).substr(0, options.server.rfind(':'));
    if (!options.token.empty() && !options.allow_remote_plaintext && !IsLoopbackHost(host)) {
      return absl::InvalidArgumentError(
          StrCat("refusing to send the token in plain text to ", options.server,
                 ": connect with --tls (and --tls-ca FILE), or give --plaintext if the network is "
                 "protected otherwise"));
    }
    return grpc::InsecureChannelCredentials();
  }
  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError(
        "a client certificate needs both --tls-cert and --tls-key (or $CLIENTELE_TLS_CERT and "
        "$CLIENTELE_TLS_KEY)");
  }
  grpc::SslCredentialsOptions ssl;
  if (!options.ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadPem("--tls-ca", options.ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!options.cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadPem("--tls-cert", options.cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadPem("--tls-key", options.key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  if (!options.tls_server_name.empty()) {
    arguments->SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::SslCredentials(ssl);
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options,
                                                           grpc::ChannelArguments arguments) {
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
      Credentials(options, &arguments);
  if (!credentials.ok()) return credentials.status();
  std::vector<std::unique_ptr<ClientInterceptorFactoryInterface>> interceptors;
  if (!options.token.empty()) {
    if (!IsMetadataSafe(options.token)) {
      return absl::InvalidArgumentError("the token may hold only printable ASCII without spaces");
    }
    interceptors.push_back(std::make_unique<BearerTokenFactory>(options.token));
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      options.server, *credentials, arguments, std::move(interceptors));
}

int CheckHealth(const std::shared_ptr<grpc::Channel>& channel, std::chrono::milliseconds timeout) {
  grpc::GenericStub generic(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  // HealthCheckRequest{service: ""} written out: field 1, length 0.
  grpc::Slice request_bytes(std::string("\x0a\x00", 2));
  grpc::ByteBuffer request(&request_bytes, 1);
  grpc::ByteBuffer response;
  grpc::Status status;
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
      generic.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
  call->StartCall();
  int tag = 1;
  call->Finish(&response, &status, &tag);
  void* got = nullptr;
  bool ok = false;
  queue.Next(&got, &ok);
  queue.Shutdown();
  while (queue.Next(&got, &ok)) {
  }
  if (!status.ok()) return -1;
  std::vector<grpc::Slice> slices;
  if (!response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  // HealthCheckResponse{status: S}: field 1, varint S (08 S); UNKNOWN (0)
  // comes as no bytes.
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != '\x08') return -1;
  return bytes[1];
}

}  // namespace clientele::client
