// TLS and mutual TLS on the gRPC port, with certificates made by
// scripts/make-certs.sh: who can connect, and that a server whose TLS
// files are wrong does not start and says why.
#include <httplib.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include "clientele/v1/diagnostics.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/certificates.h"
#include "tests/support/server_fixture.h"

namespace clientele {
namespace {

using ::testing::HasSubstr;

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // httplib's TLS client writes with OpenSSL, which raises SIGPIPE when
    // the server hangs up on it (as it does on a missing certificate).
    signal(SIGPIPE, SIG_IGN);
    certs_ = server_.directory() / "certs";
    ASSERT_TRUE(testing::MakeCertificates(certs_));
  }

  // Pings the server with the admin token over TLS trusting `ca` (plain
  // text when `ca` is "" and not `tls`), with a client certificate when
  // `cert` is given, checking `name` in the server's certificate if given.
  grpc::Status Ping(const std::string& ca, bool tls = false, const std::string& cert = "",
                    const std::string& key = "", const std::string& name = "") {
    client::ConnectionOptions options;
    options.server = server_.address();
    options.token = testing::kAdminToken;
    options.tls = tls;
    options.ca_file = ca;
    options.cert_file = cert;
    options.key_file = key;
    options.tls_server_name = name;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::OpenChannel(options);
    if (!channel.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "channel");
    auto stub = v1::Diagnostics::NewStub(*channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::PingRequest request;
    v1::PingResponse response;
    return stub->Ping(&context, request, &response);
  }

  std::string Cert(const char* name) const { return (certs_ / name).string(); }

  // Pings the JSON gateway over HTTPS trusting `ca`, with a client
  // certificate when `cert` is given: the answer, or none when no TLS
  // session came about.
  httplib::Result HttpsPing(const std::string& ca, const std::string& cert = "",
                            const std::string& key = "") {
    const std::string address = server_.http_address();
    const size_t colon = address.rfind(':');
    httplib::SSLClient client(address.substr(0, colon), std::stoi(address.substr(colon + 1)), cert,
                              key);
    client.set_ca_cert_path(ca.c_str());
    client.enable_server_certificate_verification(true);
    client.set_connection_timeout(5, 0);
    return client.Post("/clientele.v1.Diagnostics/Ping",
                       {{"Authorization", std::string("Bearer ") + testing::kAdminToken}}, "{}",
                       "application/json");
  }

  testing::ServerProcess server_;
  std::filesystem::path certs_;
};

TEST_F(TransportTest, TlsServesClientsThatTrustItsCa) {
  server_.set_security(testing::TlsConfig(certs_, /*mutual=*/false) + testing::TestTokensConfig());
  ASSERT_TRUE(server_.Start(kRules)) << server_.ReadLog();
  EXPECT_TRUE(Ping(Cert("ca.pem")).ok());
  // A name the certificate holds, though the address is an IP.
  EXPECT_TRUE(Ping(Cert("ca.pem"), true, "", "", "localhost").ok());
  // Plain text to a TLS port, or TLS without trusting the private CA.
  EXPECT_EQ(Ping("").error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Ping("", true).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A name the certificate does not hold.
  EXPECT_EQ(Ping(Cert("ca.pem"), true, "", "", "evil.example").error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, TheJsonGatewayIsSecuredAsTheGrpcPortIs) {
  server_.set_security(testing::TlsConfig(certs_, /*mutual=*/false) + testing::TestTokensConfig());
  ASSERT_TRUE(server_.Start(kRules, "http_listen: 127.0.0.1:0\n")) << server_.ReadLog();
  const httplib::Result ping = HttpsPing(Cert("ca.pem"));
  ASSERT_TRUE(ping) << httplib::to_string(ping.error());
  EXPECT_EQ(ping->status, 200);
  EXPECT_THAT(ping->get_header_value("Strict-Transport-Security"), HasSubstr("max-age="));
  // Plain HTTP to the TLS port gets no answer; nor does a client that does
  // not trust the private CA.
  httplib::Client plain("http://" + server_.http_address());
  plain.set_connection_timeout(5, 0);
  plain.set_read_timeout(5, 0);
  const httplib::Result cleartext =
      plain.Post("/clientele.v1.Diagnostics/Ping", "{}", "application/json");
  EXPECT_TRUE(!cleartext || cleartext->status >= 400);
  const std::filesystem::path other = server_.directory() / "other";
  ASSERT_TRUE(testing::MakeCertificates(other));
  EXPECT_FALSE(HttpsPing((other / "ca.pem").string()));
}

TEST_F(TransportTest, TheJsonGatewayWantsTheClientCertificateOfMutualTls) {
  server_.set_security(testing::TlsConfig(certs_, /*mutual=*/true) + testing::TestTokensConfig());
  ASSERT_TRUE(server_.Start(kRules, "http_listen: 127.0.0.1:0\n")) << server_.ReadLog();
  const httplib::Result ping = HttpsPing(Cert("ca.pem"), Cert("client.pem"), Cert("client.key"));
  ASSERT_TRUE(ping) << httplib::to_string(ping.error());
  EXPECT_EQ(ping->status, 200);
  EXPECT_FALSE(HttpsPing(Cert("ca.pem")));
  const std::filesystem::path other = server_.directory() / "other";
  ASSERT_TRUE(testing::MakeCertificates(other));
  EXPECT_FALSE(
      HttpsPing(Cert("ca.pem"), (other / "client.pem").string(), (other / "client.key").string()));
}

TEST_F(TransportTest, MutualTlsNeedsAClientCertificateFromTheCa) {
  server_.set_security(testing::TlsConfig(certs_, /*mutual=*/true) + testing::TestTokensConfig());
  ASSERT_TRUE(server_.Start(kRules)) << server_.ReadLog();
  EXPECT_TRUE(Ping(Cert("ca.pem"), true, Cert("client.pem"), Cert("client.key")).ok());
  EXPECT_EQ(Ping(Cert("ca.pem")).error_code(), grpc::StatusCode::UNAVAILABLE);
  // A certificate of another CA.
  const std::filesystem::path other = server_.directory() / "other";
  ASSERT_TRUE(testing::MakeCertificates(other));
  EXPECT_EQ(
      Ping(Cert("ca.pem"), true, (other / "client.pem").string(), (other / "client.key").string())
          .error_code(),
      grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportTest, TheTokenIsStillNeededOverTls) {
  server_.set_security(testing::TlsConfig(certs_, /*mutual=*/false) + testing::TestTokensConfig());
  ASSERT_TRUE(server_.Start(kRules)) << server_.ReadLog();
  client::ConnectionOptions options;
  options.server = server_.address();
  options.ca_file = Cert("ca.pem");
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client::OpenChannel(options);
  ASSERT_TRUE(channel.ok());
  auto stub = v1::Diagnostics::NewStub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::PingRequest request;
  v1::PingResponse response;
  EXPECT_EQ(stub->Ping(&context, request, &response).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TransportTest, AServerWithWrongTlsFilesDoesNotStartAndSaysWhy) {
  // The client's key with the server's certificate.
  server_.set_security("tls:\n  cert: " + Cert("server.pem") + "\n  key: " + Cert("client.key") +
                       "\n" + testing::TestTokensConfig());
  EXPECT_FALSE(server_.Start(kRules));
  EXPECT_THAT(server_.ReadLog(), HasSubstr("is not the key of the certificate"));

  testing::ServerProcess missing;
  missing.set_security("tls:\n  cert: " + Cert("nowhere.pem") + "\n  key: " + Cert("server.key") +
                       "\n" + testing::TestTokensConfig());
  EXPECT_FALSE(missing.Start(kRules));
  EXPECT_THAT(missing.ReadLog(), HasSubstr("nowhere.pem' cannot be read"));
}

}  // namespace
}  // namespace clientele
