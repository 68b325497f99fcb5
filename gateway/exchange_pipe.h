#pragma once

// ExchangePipe: the meeting point of a connection's coroutine on an I/O thread and the S3
// handler blocking on a pool thread, so a body of any size crosses one buffer at a time and
// no I/O thread ever blocks. The pool side asks (ReadBody: fill this buffer from the socket;
// WriteResponse: write these bytes) and waits for the answer; the I/O side polls for the one
// pending command, performs it and completes it, and otherwise co_awaits Wait(), which any
// pool-side change ends (spurious wake-ups are possible: poll again).
// Thread-safety: I/O-side methods on the connection's I/O thread only, pool-side methods on one
// pool thread at a time; shared through a shared_ptr because wake-ups are posted.

#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.h"
#include "common/result.h"
#include "common/status.h"
#include "gateway/s3_exchange.h"

namespace shale::gateway {

class ExchangePipe : public std::enable_shared_from_this<ExchangePipe> {
 public:
  explicit ExchangePipe(boost::asio::any_io_executor io) : io_(io), timer_(io) {}

  // A response's status line and headers, serialized by the I/O side (which knows whether the
  // connection stays open).
  struct ResponseHead {
    int status = 200;
    std::vector<S3Header> headers;
    uint64_t content_length = 0;
  };

  enum class Kind : uint8_t { kNone, kRead, kWrite, kFinished };
  struct Command {
    Kind kind = Kind::kNone;
    std::span<char> read_buf;            // kRead: fill (a prefix of) this.
    const ResponseHead* head = nullptr;  // kWrite: written first (nullptr: none).
    std::string_view body;               // kWrite: then this (borrowed until completed).
  };

  // --- I/O side.
  // The pending command, handed over once (kNone when there is none).
  Command Poll();
  void CompleteRead(Result<size_t> n);
  void CompleteWrite(Status status);
  boost::asio::awaitable<void> Wait();

  // --- Pool side (each call blocks until the I/O side completed it).
  Result<size_t> ReadBody(std::span<char> buf);
  Status WriteResponse(const ResponseHead* head, std::string_view body);
  // The handler is done; the I/O side's Poll returns kFinished from now on.
  void Finish();

 private:
  enum class Phase : uint8_t { kIdle, kPending, kTaken, kDone };
  void WakeIo();  // Call without holding mu_.
  // Publishes `command` and waits until the I/O side completed it.
  void Submit(Command command);

  boost::asio::any_io_executor io_;
  boost::asio::steady_timer timer_;  // I/O thread only.
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_:
  Phase phase_ = Phase::kIdle;
  Command command_;
  bool finished_ = false;
  Result<size_t> read_result_ = size_t{0};
  Status write_result_;
};

}  // namespace shale::gateway
