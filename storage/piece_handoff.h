#pragma once

// PieceHandoff: moves a streamed body between a session coroutine on the node's I/O thread and
// an engine call blocking on a pool thread, one piece at a time, so a shard of any size costs
// one piece of memory. PUT: the I/O side Offers pieces it read from the socket (borrowed until
// taken), the pool side Takes them as the engine's ShardSource. GET: the pool side Begins the
// response with its length and Gives pieces from the engine's ShardSink, the I/O side writes
// them. The pool side ends with Finish(response) in both directions.
//
// The I/O side never blocks: it checks the state (Snapshot) and, if there is nothing to do,
// co_awaits Wait(), which any pool-side change ends (spurious wake-ups are possible: re-check).
// Thread-safety: the I/O-side methods on the I/O thread only, the pool-side methods on one
// pool thread; shared through a shared_ptr because wake-ups are posted to the I/O thread.

#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>

#include "common/asio.h"
#include "common/result.h"
#include "common/status.h"
#include "storage/node_service.h"

namespace shale::storage {

class PieceHandoff : public std::enable_shared_from_this<PieceHandoff> {
 public:
  explicit PieceHandoff(boost::asio::io_context::executor_type io) : io_(io), timer_(io) {}

  struct State {
    bool piece_pending = false;            // PUT: the offered piece is not taken yet.
    std::optional<uint64_t> begin_length;  // GET: the response may start, with this length.
    std::string_view piece;                // GET: a piece to write (valid until Written()).
    bool finished = false;                 // The pool side is done.
  };

  // --- I/O side.
  State Snapshot();
  // PUT: `piece` stays borrowed until the state shows it taken (or finished).
  void Offer(std::string_view piece);
  // PUT: the body ended (`status` OK) or failed; the pool side's Take returns it.
  void EndInput(Status status);
  // GET: the piece was written (OK) or the write failed (the pool side's Give returns it).
  void Written(Status status);
  // Waits for any pool-side change.
  boost::asio::awaitable<void> Wait();
  // The pool side's response; only once finished.
  NodeResponse TakeResponse();

  // --- Pool side.
  Result<size_t> Take(std::span<char> buf);  // 0 when the input ended.
  void Begin(uint64_t length);
  Status Give(std::string_view piece);  // Waits until written.
  void Finish(NodeResponse response);

 private:
  void WakeIo();  // Posts a wake-up to the I/O side; call without holding mu_.

  boost::asio::io_context::executor_type io_;
  boost::asio::steady_timer timer_;  // I/O thread only.
  std::mutex mu_;
  std::condition_variable cv_;
  // GUARDED_BY(mu_):
  std::string_view in_piece_;
  bool in_pending_ = false;
  bool in_ended_ = false;
  Status in_status_;
  std::optional<uint64_t> begin_length_;
  std::string_view out_piece_;
  bool out_pending_ = false;
  Status out_status_;
  std::optional<NodeResponse> response_;
};

}  // namespace shale::storage
