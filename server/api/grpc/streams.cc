#include "server/api/grpc/streams.h"

#include "common/strings.h"

namespace clientele::server {

bool OpenStreams::Add(Stream* stream) {
  MutexLock lock(&mutex_);
  if (closed_) return false;
  streams_.insert(stream);
  return true;
}

void OpenStreams::Remove(Stream* stream) {
  MutexLock lock(&mutex_);
  streams_.erase(stream);
}

void OpenStreams::EndAll() {
  MutexLock lock(&mutex_);
  closed_ = true;
  for (Stream* stream : streams_) stream->End();
}

StreamSlots::Slot& StreamSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_ != nullptr) owner_->open_.fetch_sub(1, std::memory_order_relaxed);
    owner_ = std::exchange(other.owner_, nullptr);
  }
  return *this;
}

StreamSlots::Slot::~Slot() {
  if (owner_ != nullptr) owner_->open_.fetch_sub(1, std::memory_order_relaxed);
}

absl::StatusOr<StreamSlots::Slot> StreamSlots::Acquire() {
  int open = open_.load(std::memory_order_relaxed);
  do {
    if (open >= max_open_) {
      return absl::ResourceExhaustedError(StrCat("the server already has ", open,
                                                 " streams open, its limit (max_open_streams); "
                                                 "close one or try again later"));
    }
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
  return Slot(this);
}

}  // namespace clientele::server
