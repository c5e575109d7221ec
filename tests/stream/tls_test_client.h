// Clients of the live server over TLS (Boost.Beast ssl_stream): an https call, an MJPEG reader and
// a WebSocket reader that verify the server's certificate against a test CA and its name
// (127.0.0.1), as a browser would. Every wait is bounded, as in test_client.h.
#pragma once

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <filesystem>

#include "stream/test_client.h"

namespace posecast::testing {

namespace ssl = net::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A client context trusting only `ca_file`, checking that the server is 127.0.0.1.
inline std::unique_ptr<ssl::context> tls_client_context(const std::filesystem::path& ca_file) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->load_verify_file(ca_file.string());
  context->set_verify_mode(ssl::verify_peer);
  return context;
}

// Connects and shakes hands; "" on success, else what failed ("handshake: certificate verify
// failed ...").
inline std::string tls_connect(net::io_context& io, TlsStream& stream, uint16_t port) {
  if (beast::error_code ec = connect(io, beast::get_lowest_layer(stream), port))
    return "connect: " + ec.message();
  stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
  beast::error_code ec;
  bool done = false;
  stream.async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(io, done, 3s)) return "handshake: timed out";
  return ec ? "handshake: " + ec.message() : "";
}

// One https request; `headers` are added as given (e.g. {"Authorization", "Bearer ..."}).
inline HttpAnswer https_call(uint16_t port, const std::filesystem::path& ca_file, http::verb method,
                             const std::string& target,
                             const std::vector<std::pair<std::string, std::string>>& headers = {},
                             const std::string& body = {}) {
  net::io_context io;
  auto context = tls_client_context(ca_file);
  TlsStream stream(io, *context);
  if (std::string error = tls_connect(io, stream, port); !error.empty())
    return HttpAnswer::failed(std::move(error));
  auto request =
      make_request(method, target, "127.0.0.1:" + std::to_string(port), body, "application/json");
  for (const auto& [name, value] : headers) request.set(name, value);
  return exchange(io, stream, request);
}

// Reads /stream.mjpg over TLS: the response head, then whole parts.
class TlsMjpegReader {
 public:
  TlsMjpegReader(uint16_t port, const std::filesystem::path& ca_file, const std::string& token)
      : context_(tls_client_context(ca_file)), stream_(io_, *context_) {
    error_ = tls_connect(io_, stream_, port);
    if (!error_.empty()) return;
    const std::string request =
        "GET /stream.mjpg HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: "
        "Bearer " +
        token + "\r\n\r\n";
    bool done = false;
    beast::error_code ec;
    net::async_write(stream_, net::buffer(request), [&](beast::error_code e, size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(io_, done, 3s) || ec) error_ = "request failed";
  }
  const std::string& error() const { return error_; }

  // The status line ("HTTP/1.1 200 OK"), once the head arrived.
  std::string status_line(std::chrono::milliseconds timeout = 3s) {
    if (!read_until("\r\n\r\n", timeout)) return "";
    return received_.substr(0, received_.find("\r\n"));
  }

  // The JPEG of the next part, or "" when none arrives in time.
  std::string next_jpeg(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = Clock::now() + timeout;
    const auto left = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    };
    const std::string marker = "Content-Length: ";
    if (!read_until(marker, left())) return "";
    const size_t at = received_.find(marker, consumed_);
    if (!read_until("\r\n\r\n", left(), at)) return "";
    const size_t length = std::stoul(received_.substr(at + marker.size()));
    const size_t body_at = received_.find("\r\n\r\n", at) + 4;
    while (received_.size() < body_at + length)
      if (!read_some(left())) return "";
    consumed_ = body_at + length;
    return received_.substr(body_at, length);
  }

 private:
  bool read_until(const std::string& marker, std::chrono::milliseconds timeout,
                  size_t from = std::string::npos) {
    const auto deadline = Clock::now() + timeout;
    while (received_.find(marker, from == std::string::npos ? consumed_ : from) ==
           std::string::npos)
      if (!read_some(
              std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())))
        return false;
    return true;
  }
  bool read_some(std::chrono::milliseconds timeout) {
    if (timeout <= 0ms) return false;
    bool done = false;
    beast::error_code ec;
    size_t got = 0;
    stream_.async_read_some(net::buffer(chunk_), [&](beast::error_code e, size_t n) {
      ec = e;
      got = n;
      done = true;
    });
    if (!run_until(io_, done, timeout)) {
      beast::get_lowest_layer(stream_).cancel();
      run_until(io_, done, 1s);
      return false;
    }
    received_.append(chunk_.data(), got);
    return !ec || got > 0;
  }

  net::io_context io_;
  std::unique_ptr<ssl::context> context_;
  TlsStream stream_;
  std::string received_;
  size_t consumed_ = 0;
  std::array<char, 64 * 1024> chunk_;
  std::string error_;
};

// A WebSocket client of /ws over TLS (wss://).
class TlsWsReader {
 public:
  TlsWsReader(uint16_t port, const std::filesystem::path& ca_file, const std::string& target)
      : context_(tls_client_context(ca_file)), ws_(io_, *context_) {
    error_ = tls_connect(io_, ws_.next_layer(), port);
    if (!error_.empty()) return;
    const std::string websocket_error =
        ws_handshake(io_, ws_, "127.0.0.1:" + std::to_string(port), target);
    if (!websocket_error.empty()) error_ = "websocket " + websocket_error;
  }
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  std::optional<std::string> next_message(std::chrono::milliseconds timeout = 3s) {
    return ws_next_message(io_, ws_, timeout, error_);
  }

 private:
  net::io_context io_;
  std::unique_ptr<ssl::context> context_;
  websocket::stream<TlsStream> ws_;
  std::string error_;
};

}  // namespace posecast::testing
