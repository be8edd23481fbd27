// The console's static files (server/gateway/console/), embedded in the
// binary at build time (embed_files.cmake): one binary, no path to find at
// run time, and files that are the same for everyone (no data, no
// secrets: everything else comes by authenticated calls). Immutable;
// thread-safe.
#ifndef CLIENTELE_SERVER_GATEWAY_CONSOLE_FILES_H_
#define CLIENTELE_SERVER_GATEWAY_CONSOLE_FILES_H_

#include <string_view>

namespace clientele::server::gateway {

struct ConsoleFile {
  std::string_view name;          // "console.js", as in server/gateway/console/
  std::string_view content_type;  // by its extension
  std::string_view body;
};

// The file called `name`, or nullptr.
const ConsoleFile* FindConsoleFile(std::string_view name);

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_CONSOLE_FILES_H_
