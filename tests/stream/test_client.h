// Real loopback clients for the live server tests (Boost.Beast): plain HTTP calls, raw bytes, an
// MJPEG multipart reader, a WebSocket reader, plus synthetic JPEG frames and a publisher thread.
// Every wait is bounded so that a broken server fails a test instead of hanging it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "posecast/live_server.h"

namespace posecast::testing {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

inline int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Runs `io` until `done` or the deadline; false on timeout.
inline bool run_until(net::io_context& io, const bool& done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  io.restart();
  while (!done && Clock::now() < deadline) io.run_one_until(deadline);
  return done;
}

inline beast::error_code connect(net::io_context& io, beast::tcp_stream& stream, uint16_t port) {
  beast::error_code ec;
  bool done = false;
  stream.async_connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port),
                       [&](beast::error_code e) {
                         ec = e;
                         done = true;
                       });
  if (!run_until(io, done, 3s)) return net::error::timed_out;
  return ec;
}

// ----- Plain HTTP ---------------------------------------------------------------------------

struct HttpAnswer {
  int status = 0;                              // 0: no answer (see error)
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
  std::string error;
  std::string header(const std::string& name) const {
    const auto it = headers.find(lower(name));
    return it == headers.end() ? "" : it->second;
  }
  static HttpAnswer failed(std::string why) {
    HttpAnswer answer;
    answer.error = std::move(why);
    return answer;
  }
};

// Sends `request` on a connected stream (plain or TLS) and reads the answer, within 5 s.
template <class Stream>
HttpAnswer exchange(net::io_context& io, Stream& stream,
                    http::request<http::string_body>& request) {
  request.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 << 20);
  if (request.method() == http::verb::head) parser.skip(true);
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool done = false;
  http::async_write(stream, request, [&](beast::error_code e, size_t) {
    if (e) {
      ec = e;
      done = true;
      return;
    }
    http::async_read(stream, buffer, parser, [&](beast::error_code e2, size_t) {
      ec = e2;
      done = true;
    });
  });
  if (!run_until(io, done, 5s)) return HttpAnswer::failed("timed out");
  if (ec) return HttpAnswer::failed(ec.message());
  const auto& response = parser.get();
  HttpAnswer answer;
  answer.status = static_cast<int>(response.result_int());
  for (const auto& field : response)
    answer.headers[lower(std::string(field.name_string()))] = std::string(field.value());
  answer.body = response.body();
  return answer;
}

// A request to `host` carrying `body` (if any, and always for a POST) as `content_type`.
inline http::request<http::string_body> make_request(http::verb method, const std::string& target,
                                                     const std::string& host,
                                                     const std::string& body,
                                                     const std::string& content_type) {
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, host);
  if (!body.empty() || method == http::verb::post) {
    request.set(http::field::content_type, content_type);
    request.body() = body;
  }
  return request;
}

inline HttpAnswer http_call(uint16_t port, http::verb method, const std::string& target,
                            const std::string& body = {},
                            const std::string& content_type = "application/json") {
  net::io_context io;
  beast::tcp_stream stream(io);
  if (beast::error_code ec = connect(io, stream, port))
    return HttpAnswer::failed("connect: " + ec.message());
  auto request = make_request(method, target, "127.0.0.1", body, content_type);
  return exchange(io, stream, request);
}

inline HttpAnswer http_get(uint16_t port, const std::string& target) {
  return http_call(port, http::verb::get, target);
}
inline HttpAnswer http_post(uint16_t port, const std::string& target, const std::string& body) {
  return http_call(port, http::verb::post, target, body);
}

// Sends `raw` as is and returns everything the server answers until it closes (or 5 s pass).
inline std::string raw_exchange(uint16_t port, const std::string& raw) {
  net::io_context io;
  beast::tcp_stream stream(io);
  if (connect(io, stream, port)) return "";
  std::string received;
  std::array<char, 4096> chunk;
  bool done = false;
  std::function<void()> read_more = [&] {
    stream.async_read_some(net::buffer(chunk), [&](beast::error_code ec, size_t n) {
      received.append(chunk.data(), n);
      if (ec) {
        done = true;
        return;
      }
      read_more();
    });
  };
  net::async_write(stream, net::buffer(raw), [&](beast::error_code, size_t) {
    // Half-close like a client that has said everything: the server answers, then hangs up.
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    read_more();
  });
  run_until(io, done, 5s);
  return received;
}

// A slow client: connects, sends `partial` (an unfinished request, or nothing), then one more
// header line every `trickle` (0: nothing more), never finishing; returns how long the server
// took to hang up, or `give_up` if it never did.
inline std::chrono::milliseconds time_until_hung_up(uint16_t port, const std::string& partial,
                                                    std::chrono::milliseconds trickle,
                                                    std::chrono::milliseconds give_up = 10s) {
  net::io_context io;
  tcp::socket socket(io);
  beast::error_code ec;
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0ms;
  const auto t0 = Clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  };
  if (!partial.empty()) net::write(socket, net::buffer(partial), ec);
  auto next_trickle = t0 + trickle;
  socket.non_blocking(true, ec);
  std::array<char, 4096> chunk;
  while (elapsed() < give_up) {
    const size_t n = socket.read_some(net::buffer(chunk), ec);
    if (ec && ec != net::error::would_block) return elapsed();  // eof or reset: hung up
    if (!ec && n == 0) return elapsed();
    if (trickle > 0ms && Clock::now() >= next_trickle) {
      net::write(socket, net::buffer(std::string("X-Slow: 1\r\n")), ec);
      if (ec && ec != net::error::would_block) return elapsed();
      next_trickle += trickle;
    }
    std::this_thread::sleep_for(5ms);
  }
  return give_up;
}

// ----- MJPEG ---------------------------------------------------------------------------------

struct MjpegPart {
  std::map<std::string, std::string> headers;  // names in lower case
  std::string jpeg;
  int64_t frame() const { return std::stoll(headers.at("x-frame")); }
  int64_t capture_ms() const { return std::stoll(headers.at("x-capture-time")); }
};

// A viewer of /stream.mjpg that parses the multipart stream part by part.
class MjpegReader {
 public:
  explicit MjpegReader(uint16_t port) : stream_(io_) {
    if (beast::error_code ec = connect(io_, stream_, port)) {
      error_ = "connect: " + ec.message();
      return;
    }
    const std::string request =
        "GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
    bool done = false;
    beast::error_code ec;
    net::async_write(stream_, net::buffer(request), [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(io_, done, 3s) || ec) {
      error_ = "request: " + (ec ? ec.message() : std::string("timed out"));
      return;
    }
    const auto head_end = read_until("\r\n\r\n", 3s);
    if (!head_end) {
      error_ = "no response head: " + error_;
      return;
    }
    const std::string head = buffer_.substr(0, *head_end);
    buffer_.erase(0, *head_end + 4);
    status_line_ = head.substr(0, head.find("\r\n"));
    headers_ = parse_headers(head.substr(head.find("\r\n") + 2));
    const std::string type = headers_["content-type"];
    const size_t boundary_at = type.find("boundary=");
    if (boundary_at != std::string::npos) boundary_ = type.substr(boundary_at + 9);
  }

  bool ok() const { return error_.empty() && !boundary_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& status_line() const { return status_line_; }
  std::string header(const std::string& name) const {
    const auto it = headers_.find(name);
    return it == headers_.end() ? "" : it->second;
  }

  // The next part, or nullopt (error() says why) when none arrives within `timeout`.
  std::optional<MjpegPart> next_part(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = Clock::now() + timeout;
    const auto left = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    };
    const std::string delimiter = "--" + boundary_ + "\r\n";
    const auto delimiter_at = read_until(delimiter, left());
    if (!delimiter_at) return std::nullopt;
    buffer_.erase(0, *delimiter_at + delimiter.size());
    const auto head_end = read_until("\r\n\r\n", left());
    if (!head_end) return std::nullopt;
    MjpegPart part;
    part.headers = parse_headers(buffer_.substr(0, *head_end + 2));
    buffer_.erase(0, *head_end + 4);
    const size_t length = std::stoul(part.headers["content-length"]);
    if (!read_at_least(length + 2, left())) return std::nullopt;
    part.jpeg = buffer_.substr(0, length);
    if (buffer_.compare(length, 2, "\r\n") != 0) {
      error_ = "part body not followed by CRLF";
      return std::nullopt;
    }
    buffer_.erase(0, length + 2);
    return part;
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  static std::map<std::string, std::string> parse_headers(const std::string& text) {
    std::map<std::string, std::string> headers;
    size_t at = 0;
    while (at < text.size()) {
      const size_t end = text.find("\r\n", at);
      const std::string line = text.substr(at, end == std::string::npos ? end : end - at);
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        const size_t value_at = line.find_first_not_of(' ', colon + 1);
        headers[lower(line.substr(0, colon))] =
            value_at == std::string::npos ? "" : line.substr(value_at);
      }
      if (end == std::string::npos) break;
      at = end + 2;
    }
    return headers;
  }

  bool read_some(std::chrono::milliseconds timeout) {
    if (timeout <= 0ms) {
      error_ = "timed out";
      return false;
    }
    bool done = false;
    beast::error_code ec;
    size_t got = 0;
    stream_.async_read_some(net::buffer(chunk_), [&](beast::error_code e, size_t n) {
      ec = e;
      got = n;
      done = true;
    });
    if (!run_until(io_, done, timeout)) {
      stream_.cancel();
      run_until(io_, done, 1s);
      error_ = "timed out";
      return false;
    }
    buffer_.append(chunk_.data(), got);
    if (ec) {
      error_ = ec.message();
      return got > 0;
    }
    return true;
  }
  std::optional<size_t> read_until(const std::string& marker, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (const size_t at = buffer_.find(marker); at != std::string::npos) return at;
      if (!read_some(
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())))
        return std::nullopt;
    }
  }
  bool read_at_least(size_t size, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (buffer_.size() < size)
      if (!read_some(
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())))
        return false;
    return true;
  }

  net::io_context io_;
  beast::tcp_stream stream_;
  std::string buffer_;
  std::array<char, 64 * 1024> chunk_;
  std::string status_line_;
  std::map<std::string, std::string> headers_;
  std::string boundary_;
  std::string error_;
};

// A viewer that asks for the stream and then never reads: its socket buffers fill and stay full.
class StalledViewer {
 public:
  explicit StalledViewer(uint16_t port) : socket_(io_) {
    beast::error_code ec;
    socket_.open(tcp::v4(), ec);
    // A small receive window, set before connecting, so the server backs up after a few frames.
    socket_.set_option(net::socket_base::receive_buffer_size(16 * 1024), ec);
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    const std::string request = "GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    if (!ec) net::write(socket_, net::buffer(request), ec);
    ok_ = !ec;
  }
  bool ok() const { return ok_; }

 private:
  net::io_context io_;
  tcp::socket socket_;
  bool ok_ = false;
};

// ----- WebSocket -------------------------------------------------------------------------------

// The WebSocket steps every client here shares (plain, TLS, /rtc), each bounded in time.
// Upgrades `ws` (already connected) at `target`; "" on success, else what failed.
template <class WsStream>
std::string ws_handshake(net::io_context& io, WsStream& ws, const std::string& host,
                         const std::string& target, websocket::response_type* response = nullptr) {
  websocket::response_type ignored;
  bool done = false;
  beast::error_code ec;
  ws.async_handshake(response ? *response : ignored, host, target, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done, 3s)) return "handshake: timed out";
  return ec ? "handshake: " + ec.message() : "";
}

// The next message, or nullopt with `error` set ("timed out", or the read's error).
template <class WsStream>
std::optional<std::string> ws_next_message(net::io_context& io, WsStream& ws,
                                           std::chrono::milliseconds timeout, std::string& error) {
  beast::flat_buffer buffer;
  bool done = false;
  beast::error_code ec;
  ws.async_read(buffer, [&](beast::error_code e, size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done, timeout)) {
    beast::get_lowest_layer(ws).cancel();
    run_until(io, done, 1s);
    error = "timed out";
    return std::nullopt;
  }
  if (ec) {
    error = ec.message();
    return std::nullopt;
  }
  return beast::buffers_to_string(buffer.data());
}

class WsReader {
 public:
  explicit WsReader(uint16_t port, const std::string& target = "/ws") : ws_(io_) {
    if (beast::error_code ec = connect(io_, beast::get_lowest_layer(ws_), port)) {
      error_ = "connect: " + ec.message();
      return;
    }
    error_ = ws_handshake(io_, ws_, "127.0.0.1", target);
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  std::optional<std::string> next_message(std::chrono::milliseconds timeout = 3s) {
    return ws_next_message(io_, ws_, timeout, error_);
  }

 private:
  net::io_context io_;
  websocket::stream<beast::tcp_stream> ws_;
  std::string error_;
};

// ----- Synthetic frames ------------------------------------------------------------------------

// A width x height JPEG: a colour gradient whose hue follows `index`, a moving box, and the index
// in large digits; `noise` adds texture so that the JPEG is big (to fill socket buffers).
inline LiveServer::Jpeg synthetic_jpeg(int index, int width = 320, int height = 240,
                                       bool noise = false) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>((x * 255) / width),
                                            static_cast<uint8_t>((y * 255) / height),
                                            static_cast<uint8_t>((index * 37) % 256));
  if (noise) {
    cv::Mat grain(height, width, CV_8UC3);
    cv::randu(grain, cv::Scalar::all(0), cv::Scalar::all(96));
    image += grain;
  }
  const int box_x = (index * 9) % std::max(1, width - 40);
  cv::rectangle(image, {box_x, height / 2 - 20, 40, 40}, cv::Scalar(255, 255, 255), cv::FILLED);
  cv::putText(image, std::to_string(index), {10, 40}, cv::FONT_HERSHEY_SIMPLEX, 1.2,
              cv::Scalar(0, 0, 0), 3);
  std::vector<uint8_t> bytes;
  cv::imencode(".jpg", image, bytes, {cv::IMWRITE_JPEG_QUALITY, 85});
  return std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
}

// Publishes frames from a thread at `fps` (cycling through pre-encoded JPEGs, so the CPU goes to
// the server, not the encoder) and remembers how long the slowest publish_frame call took.
class FramePublisher {
 public:
  FramePublisher(LiveServer& server, std::vector<LiveServer::Jpeg> jpegs, double fps)
      : server_(server), jpegs_(std::move(jpegs)) {
    thread_ = std::thread([this, period = std::chrono::duration<double>(1.0 / fps)] {
      auto next = Clock::now();
      for (int64_t frame = 1; !stop_; ++frame) {
        const auto before = Clock::now();
        server_.publish_frame(jpegs_[frame % jpegs_.size()], frame, unix_ms_now());
        const auto took = Clock::now() - before;
        slowest_publish_us_ =
            std::max<int64_t>(slowest_publish_us_,
                              std::chrono::duration_cast<std::chrono::microseconds>(took).count());
        published_ = frame;
        next += std::chrono::duration_cast<Clock::duration>(period);
        std::this_thread::sleep_until(next);
      }
    });
  }
  ~FramePublisher() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t published() const { return published_; }
  int64_t slowest_publish_us() const { return slowest_publish_us_; }

 private:
  LiveServer& server_;
  std::vector<LiveServer::Jpeg> jpegs_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> published_{0};
  std::atomic<int64_t> slowest_publish_us_{0};
  std::thread thread_;
};

// A server on a free loopback port, or a test failure naming why not.
inline std::unique_ptr<LiveServer> start_test_server(LiveServerHooks hooks = {},
                                                     LiveServerOptions options = {}) {
  options.host = "127.0.0.1";
  options.port = 0;
  auto server = LiveServer::start(options, std::move(hooks));
  EXPECT_TRUE(server.ok()) << (server.ok() ? "" : server.error().message());
  return server.ok() ? std::move(server).value() : nullptr;
}

// Polls `predicate` every 10 ms for up to `timeout`.
template <class Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout = 3s) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return predicate();
}

}  // namespace posecast::testing
