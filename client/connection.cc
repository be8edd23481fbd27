#include "client/connection.h"

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/client_interceptor.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/host_port.h"
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

// Which IP family `host` is a literal of: 4, 6, or 0 for a name.
int AddressFamily(std::string_view host) {
  const std::string text(host);
  unsigned char address[16];
  if (inet_pton(AF_INET, text.c_str(), address) == 1) return 4;
  if (inet_pton(AF_INET6, text.c_str(), address) == 1) return 6;
  return 0;
}

// The addresses of one server ("host:port", "[v6]:port") as gRPC's ipv4:
// and ipv6: lists take them: an IP literal as it is, a name as every
// address it resolves to now.
struct ServerAddresses {
  std::vector<std::string> v4;
  std::vector<std::string> v6;
};

absl::StatusOr<ServerAddresses> AddressesOf(const std::string& server) {
  const size_t colon = server.rfind(':');
  if (colon == std::string::npos || colon + 1 == server.size() || server.back() == ']') {
    return absl::InvalidArgumentError(
        StrCat("'", server, "' has no port: give each server as HOST:PORT"));
  }
  const std::string host(HostOf(server));
  const std::string port = server.substr(colon + 1);
  ServerAddresses addresses;
  switch (AddressFamily(host)) {
    case 4:
      addresses.v4.push_back(server);
      return addresses;
    case 6:
      addresses.v6.push_back(server);
      return addresses;
    default:
      break;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = getaddrinfo(host.c_str(), port.c_str(), &hints, &found); error != 0) {
    return absl::UnavailableError(
        StrCat("cannot resolve '", host, "' (of --server ", server, "): ", gai_strerror(error)));
  }
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a->ai_addr)->sin_addr, text,
                sizeof text);
      addresses.v4.push_back(StrCat(text, ":", port));
    } else if (a->ai_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(a->ai_addr);
      inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      // A link-local address is reached through its interface: gRPC reads
      // the scope after a '%', which its URI spells %25.
      const std::string scope = v6->sin6_scope_id == 0 ? "" : StrCat("%25", v6->sin6_scope_id);
      addresses.v6.push_back(StrCat("[", text, scope, "]:", port));
    }
  }
  freeaddrinfo(found);
  return addresses;
}

}  // namespace

// Names among several are resolved once, here: IPv4 when every server has
// an IPv4 address, else IPv6 when every one has that.
absl::StatusOr<std::string> ChannelTarget(const std::vector<std::string>& servers) {
  if (servers.size() == 1) return servers.front();
  std::vector<std::string> v4, v6;
  bool every_v4 = true, every_v6 = true;
  for (const std::string& server : servers) {
    absl::StatusOr<ServerAddresses> addresses = AddressesOf(server);
    if (!addresses.ok()) return addresses.status();
    every_v4 = every_v4 && !addresses->v4.empty();
    every_v6 = every_v6 && !addresses->v6.empty();
    v4.insert(v4.end(), addresses->v4.begin(), addresses->v4.end());
    v6.insert(v6.end(), addresses->v6.begin(), addresses->v6.end());
  }
  // An address reached by two names (or a name and its address) once:
  // the round robin would call it twice as often.
  for (std::vector<std::string>* list : {&v4, &v6}) {
    std::vector<std::string> unique;
    for (std::string& address : *list) {
      if (std::find(unique.begin(), unique.end(), address) == unique.end()) {
        unique.push_back(std::move(address));
      }
    }
    *list = std::move(unique);
  }
  if (every_v4) return StrCat("ipv4:", StrJoin(v4, ","));
  if (every_v6) return StrCat("ipv6:", StrJoin(v6, ","));
  return absl::InvalidArgumentError(
      StrCat("the servers ", StrJoin(servers, ","),
             " have no address family in common (IPv4 for all, or IPv6 for all), which one "
             "channel needs to spread calls over them"));
}

namespace {

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
    for (const std::string& server : SplitServers(options.server)) {
      const std::string_view host = std::string_view(server).substr(0, server.rfind(':'));
      if (!options.token.empty() && !options.allow_remote_plaintext && !IsLoopbackHost(host)) {
        return absl::InvalidArgumentError(StrCat(
            "refusing to send the token in plain text to ", server,
            ": connect with --tls (and --tls-ca FILE), or give --plaintext if the network is "
            "protected otherwise"));
      }
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

std::vector<std::string> SplitServers(std::string_view servers) {
  std::vector<std::string> split;
  size_t begin = 0;
  while (begin <= servers.size()) {
    size_t end = servers.find(',', begin);
    if (end == std::string_view::npos) end = servers.size();
    std::string_view server = servers.substr(begin, end - begin);
    while (!server.empty() && server.front() == ' ') server.remove_prefix(1);
    while (!server.empty() && server.back() == ' ') server.remove_suffix(1);
    if (!server.empty()) split.emplace_back(server);
    begin = end + 1;
  }
  return split;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> OpenChannel(const ConnectionOptions& options,
                                                           grpc::ChannelArguments arguments) {
  const std::vector<std::string> servers = SplitServers(options.server);
  if (servers.empty()) return absl::InvalidArgumentError("no server given");
  absl::StatusOr<std::string> target = ChannelTarget(servers);
  if (!target.ok()) return target.status();
  if (servers.size() > 1) {
    // Every call to the next replica that is up.
    arguments.SetLoadBalancingPolicyName("round_robin");
    // What TLS checks the certificate against, unless tls_server_name
    // says: the first server.
    arguments.SetString(GRPC_ARG_DEFAULT_AUTHORITY, servers.front());
  }
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
  return grpc::experimental::CreateCustomChannelWithInterceptors(*target, *credentials, arguments,
                                                                 std::move(interceptors));
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
