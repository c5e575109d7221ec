// What every connection of the live server shares, and the stream types the session files use.
// Threading: options, hooks and routes are constant; access and tls are set before the first
// connection; the counters are atomics; each latest-item slot has its own mutex; the registry
// locks itself. The state is held by shared_ptr so that it outlives the last handler.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

#include "access_control.h"
#include "connection_registry.h"
#include "http_routes.h"
#include "posecast/live_server.h"

namespace posecast::stream {

namespace beast = boost::beast;
namespace net = boost::asio;

// A session is a template over its stream: plain TCP, or the same under TLS when the server has
// a certificate. Sockets and timers are reached through the lowest layer, reads and writes go
// through the stream.
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

inline constexpr char kServerName[] = "posecast";
// Small send buffers for the streams: a viewer that cannot keep up then backs up after a frame
// or two (and skips the rest) instead of after seconds of frames queued in the kernel.
inline constexpr int kStreamSendBuffer = 256 * 1024;

// The newest published item and a sequence number, so that a delivery knows how many it missed.
template <class Item>
struct LatestSlot {
  std::mutex mutex;
  std::shared_ptr<const Item> item;
  uint64_t published = 0;
  uint64_t delivered = 0;
  std::atomic<bool> delivery_posted{false};
};

struct ServerState {
  ServerState(LiveServerOptions options_in, LiveServerHooks hooks_in);

  ServerStats stats() const;
  FramePtr latest_frame();
  ResultPtr latest_result();

  const LiveServerOptions options;
  const LiveServerHooks hooks;
  const HttpRoutes routes;

  std::atomic<int> mjpeg_viewers{0};
  std::atomic<int> ws_clients{0};
  std::atomic<int64_t> frames_published{0};
  std::atomic<int64_t> frames_sent{0};
  std::atomic<int64_t> frames_skipped{0};
  std::atomic<int64_t> results_published{0};
  std::atomic<int64_t> results_sent{0};
  std::atomic<int64_t> http_requests{0};
  std::atomic<bool> stopping{false};

  LatestSlot<SharedFrame> frames;
  LatestSlot<std::string> results;
  // Set once the port is known (the cookie's name has it), before the first connection.
  std::unique_ptr<AccessControl> access;
  std::unique_ptr<net::ssl::context> tls;  // null: plain HTTP

  ConnectionRegistry connections;
};

}  // namespace posecast::stream
