#include "server/gateway/stream_framing.h"

#include "common/strings.h"

namespace clientele::server::gateway {

// The JSON protobuf prints holds no line break (strings escape theirs),
// so a message is one line in either framing.

StreamFraming StreamFraming::For(std::string_view accept) {
  return StreamFraming(accept.find("text/event-stream") != std::string_view::npos);
}

std::string_view StreamFraming::content_type() const {
  // Exactly text/event-stream: with a parameter, httplib would compress
  // the stream for a browser that accepts gzip, and hold every event back
  // in its compressor. (Events are UTF-8 by definition.)
  return sse_ ? "text/event-stream" : "application/x-ndjson; charset=utf-8";
}

std::string StreamFraming::Message(std::string_view json) const {
  return sse_ ? StrCat("data: ", json, "\n\n") : StrCat("{\"result\":", json, "}\n");
}

std::string StreamFraming::Error(std::string_view json) const {
  return sse_ ? StrCat("event: error\ndata: ", json, "\n\n") : StrCat("{\"error\":", json, "}\n");
}

std::string StreamFraming::KeepAlive() const { return sse_ ? ": keep-alive\n\n" : "\n"; }

}  // namespace clientele::server::gateway
