#include "gateway/exchange_pipe.h"

#include <utility>

namespace shale::gateway {

namespace asio = boost::asio;

ExchangePipe::Command ExchangePipe::Poll() {
  std::lock_guard<std::mutex> lock(mu_);
  if (phase_ == Phase::kPending) {
    phase_ = Phase::kTaken;
    return std::move(command_);
  }
  Command none;
  if (finished_ && phase_ != Phase::kTaken) none.kind = Kind::kFinished;
  return none;
}

void ExchangePipe::CompleteRead(Result<size_t> n) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    read_result_ = std::move(n);
    phase_ = Phase::kDone;
  }
  cv_.notify_all();
}

void ExchangePipe::CompleteWrite(Status status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    write_result_ = std::move(status);
    phase_ = Phase::kDone;
  }
  cv_.notify_all();
}

asio::awaitable<void> ExchangePipe::Wait() {
  // A wake-up posted before this wait started found no wait to cancel; the caller polls before
  // every Wait, and every change posts after it is made, so none is lost.
  timer_.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ec;
  co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

void ExchangePipe::WakeIo() {
  asio::post(io_, [self = shared_from_this()] { self->timer_.cancel(); });
}

void ExchangePipe::Submit(Command command) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    command_ = std::move(command);
    phase_ = Phase::kPending;
  }
  WakeIo();
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return phase_ == Phase::kDone; });
  phase_ = Phase::kIdle;
}

Result<size_t> ExchangePipe::ReadBody(std::span<char> buf) {
  Command c;
  c.kind = Kind::kRead;
  c.read_buf = buf;
  Submit(std::move(c));
  std::lock_guard<std::mutex> lock(mu_);
  return read_result_;
}

Status ExchangePipe::WriteResponse(const ResponseHead* head, std::string_view body) {
  Command c;
  c.kind = Kind::kWrite;
  c.head = head;
  c.body = body;
  Submit(std::move(c));
  std::lock_guard<std::mutex> lock(mu_);
  return write_result_;
}

void ExchangePipe::Finish() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
  }
  WakeIo();
}

}  // namespace shale::gateway
