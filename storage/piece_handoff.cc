#include "storage/piece_handoff.h"

#include <algorithm>
#include <cstring>

namespace shale::storage {

namespace asio = boost::asio;

PieceHandoff::State PieceHandoff::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  State s;
  s.piece_pending = in_pending_;
  s.begin_length = begin_length_;
  if (out_pending_) s.piece = out_piece_;
  s.finished = response_.has_value();
  return s;
}

void PieceHandoff::Offer(std::string_view piece) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_piece_ = piece;
    in_pending_ = !piece.empty();
  }
  cv_.notify_all();
}

void PieceHandoff::EndInput(Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    in_ended_ = true;
    in_status_ = std::move(status);
  }
  cv_.notify_all();
}

void PieceHandoff::Written(Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    out_pending_ = false;
    out_status_ = std::move(status);
  }
  cv_.notify_all();
}

asio::awaitable<void> PieceHandoff::Wait() {
  // A wake-up posted before this wait started found no wait to cancel; the caller re-checks
  // the state before every Wait, and every change posts after it is made, so none is lost.
  timer_.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

NodeResponse PieceHandoff::TakeResponse() {
  std::lock_guard<std::mutex> lock(mu_);
  NodeResponse r = std::move(*response_);
  return r;
}

void PieceHandoff::WakeIo() {
  asio::post(io_, [self = shared_from_this()] { self->timer_.cancel(); });
}

Result<size_t> PieceHandoff::Take(std::span<char> buf) {
  size_t n = 0;
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_pending_ || in_ended_; });
    if (!in_pending_) {
      if (!in_status_.ok()) return in_status_;
      return size_t{0};
    }
    n = std::min(buf.size(), in_piece_.size());
    std::memcpy(buf.data(), in_piece_.data(), n);
    in_piece_.remove_prefix(n);
    if (!in_piece_.empty()) return n;
    in_pending_ = false;
  }
  WakeIo();
  return n;
}

void PieceHandoff::Begin(uint64_t length) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    begin_length_ = length;
  }
  WakeIo();
}

Status PieceHandoff::Give(std::string_view piece) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!out_status_.ok()) return out_status_;
    out_piece_ = piece;
    out_pending_ = true;
  }
  WakeIo();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !out_pending_; });
  return out_status_;
}

void PieceHandoff::Finish(NodeResponse response) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    response_ = std::move(response);
  }
  WakeIo();
}

}  // namespace shale::storage
