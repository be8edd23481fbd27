// Test certificates: scripts/make-certs.sh run into a directory (a private
// CA, a server certificate for localhost / 127.0.0.1 / ::1, a client
// certificate), so the tests use exactly what the README tells users to.
#ifndef CLIENTELE_TESTS_SUPPORT_CERTIFICATES_H_
#define CLIENTELE_TESTS_SUPPORT_CERTIFICATES_H_

#include <cstdlib>
#include <filesystem>
#include <string>

namespace clientele::testing {

// Makes ca.pem, server.pem/.key and client.pem/.key in `directory`; true
// when the script succeeded.
inline bool MakeCertificates(const std::filesystem::path& directory) {
  const std::string command = "bash '" CLIENTELE_SOURCE_DIR "/scripts/make-certs.sh' '" +
                              directory.string() + "' > /dev/null";
  return std::system(command.c_str()) == 0;
}

// The tls block of a server config for those files (mutual: client_ca too).
inline std::string TlsConfig(const std::filesystem::path& directory, bool mutual) {
  std::string config = "tls:\n  cert: " + (directory / "server.pem").string() +
                       "\n  key: " + (directory / "server.key").string() + "\n";
  if (mutual) config += "  client_ca: " + (directory / "ca.pem").string() + "\n";
  return config;
}

}  // namespace clientele::testing

#endif  // CLIENTELE_TESTS_SUPPORT_CERTIFICATES_H_
