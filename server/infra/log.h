// Structured logs: one line per event on stderr, logfmt style
// (time=... level=info event=listening address=127.0.0.1:50051), easy to
// read and to parse. Thread-safe (one write per line).
#ifndef CLIENTELE_SERVER_INFRA_LOG_H_
#define CLIENTELE_SERVER_INFRA_LOG_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clientele::server {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "debug", "info", "warning", "error"; anything else is info.
LogLevel ParseLogLevel(std::string_view name);
void SetLogLevel(LogLevel level);
// Whether a line at `level` would be written (to skip building it).
bool LogEnabled(LogLevel level);

// Logs `event` with key=value fields; values are quoted when they contain
// spaces, quotes or '='.
void Log(LogLevel level, std::string_view event,
         const std::vector<std::pair<std::string_view, std::string>>& fields = {});

}  // namespace clientele::server

#endif  // CLIENTELE_SERVER_INFRA_LOG_H_
