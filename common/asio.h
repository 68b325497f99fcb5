#pragma once

// The one door to Boost.Asio and Boost.Beast (1.74). Asio 1.74 under GCC 12 needs <utility>
// before any Asio header, so every translation unit includes Asio and Beast through here.
// Keep the number of .cc files including this small: Beast units compile slowly.

// clang-format off
#include <utility>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on
