#include "server/gateway/stream_framing.h"

#include <gtest/gtest.h>

namespace clientele::server::gateway {
namespace {

TEST(StreamFramingTest, NewlineDelimitedJsonUnlessTheClientAcceptsEvents) {
  const StreamFraming lines = StreamFraming::For("application/json");
  EXPECT_FALSE(lines.server_sent_events());
  EXPECT_EQ(lines.content_type(), "application/x-ndjson; charset=utf-8");
  EXPECT_EQ(lines.Message(R"({"a":1})"), "{\"result\":{\"a\":1}}\n");
  EXPECT_EQ(lines.Error(R"({"code":"internal"})"), "{\"error\":{\"code\":\"internal\"}}\n");
  EXPECT_EQ(lines.KeepAlive(), "\n");
  EXPECT_FALSE(StreamFraming::For("").server_sent_events());

  const StreamFraming events = StreamFraming::For("text/event-stream, */*;q=0.1");
  EXPECT_TRUE(events.server_sent_events());
  // Exactly this: with a parameter, httplib would compress the stream.
  EXPECT_EQ(events.content_type(), "text/event-stream");
  EXPECT_EQ(events.Message(R"({"a":1})"), "data: {\"a\":1}\n\n");
  EXPECT_EQ(events.Error(R"({"code":"internal"})"),
            "event: error\ndata: {\"code\":\"internal\"}\n\n");
  EXPECT_EQ(events.KeepAlive(), ": keep-alive\n\n");
}

}  // namespace
}  // namespace clientele::server::gateway
