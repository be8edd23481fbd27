// A gRPC message allocator (SetMessageAllocatorFor_<Method>) that puts a
// unary callback call's request and response on a protobuf Arena whose
// first block lies inside the holder gRPC asks for: the messages, their
// sub-messages and their strings then cost no heap allocation each (an
// Evaluate response has some twenty), and go all at once when gRPC
// releases the holder after the call. Worth it for calls that are many
// and whose messages have many parts; the rest keep gRPC's default.
// Thread-safe: each call gets a holder of its own.
#ifndef CLIENTELE_SERVER_API_GRPC_ARENA_MESSAGES_H_
#define CLIENTELE_SERVER_API_GRPC_ARENA_MESSAGES_H_

#include <google/protobuf/arena.h>
#include <grpcpp/support/message_allocator.h>

#include <cstddef>

namespace clientele::server::grpc_internal {

template <typename Request, typename Response>
class ArenaMessageAllocator final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder(); }

 private:
  // Enough for an Evaluate with explanations off; the arena takes more
  // blocks from the heap when a call needs them.
  static constexpr size_t kInlineBytes = 4096;

  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() : arena_(InlineBlock(block_)) {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    static google::protobuf::ArenaOptions InlineBlock(char* block) {
      google::protobuf::ArenaOptions options;
      options.initial_block = block;
      options.initial_block_size = kInlineBytes;
      return options;
    }
    // Before arena_, which uses it from its construction to its end.
    alignas(std::max_align_t) char block_[kInlineBytes];
    google::protobuf::Arena arena_;
  };
};

}  // namespace clientele::server::grpc_internal

#endif  // CLIENTELE_SERVER_API_GRPC_ARENA_MESSAGES_H_
