// How the JSON gateway writes a server stream on HTTP/1.1: newline-
// delimited JSON, or Server-Sent Events for a client that accepts
// text/event-stream (a browser's EventSource). Plain values; thread-safe.
#ifndef CLIENTELE_SERVER_GATEWAY_STREAM_FRAMING_H_
#define CLIENTELE_SERVER_GATEWAY_STREAM_FRAMING_H_

#include <string>
#include <string_view>

namespace clientele::server::gateway {

class StreamFraming {
 public:
  // SSE when `accept` (the request's Accept header) names
  // text/event-stream; newline-delimited JSON otherwise.
  static StreamFraming For(std::string_view accept);

  bool server_sent_events() const { return sse_; }
  std::string_view content_type() const;
  // One message: {"result": JSON}\n, or "data: JSON\n\n".
  std::string Message(std::string_view json) const;
  // The failure that ended the stream (connect_error.h's JSON):
  // {"error": JSON}\n, or "event: error\ndata: JSON\n\n".
  std::string Error(std::string_view json) const;
  // Written when nothing came for a while, so that a proxy keeps the
  // connection and a client that left is noticed: a blank line (which
  // NDJSON readers skip), or an SSE comment.
  std::string KeepAlive() const;

 private:
  explicit StreamFraming(bool sse) : sse_(sse) {}
  bool sse_;
};

}  // namespace clientele::server::gateway

#endif  // CLIENTELE_SERVER_GATEWAY_STREAM_FRAMING_H_
