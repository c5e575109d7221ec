// The connection layer of the live server (Boost.Beast over Asio). Threading model:
// - every connection runs on its own strand; its state is touched only there;
// - a session is a template over its stream: beast::tcp_stream, or the same under TLS
//   (beast::ssl_stream) when the server has a certificate; sockets and timers are reached through
//   the lowest layer, reads and writes go through the stream;
// - publish_frame/publish_result store the newest item under a short lock and post one delivery
//   to the hub strand (coalesced: a second publish before delivery posts nothing), which offers
//   it to every connection; a connection keeps at most one pending item, so a slow viewer skips
//   frames and memory stays bounded whatever the viewers do.
#include "posecast/live_server.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <array>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>

#include "access_control.h"
#include "http_routes.h"
#include "posecast/host_port.h"

namespace posecast {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using stream::FramePtr;
using stream::HttpResponse;
using ResultPtr = std::shared_ptr<const std::string>;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

constexpr auto kDrainTimeout = std::chrono::seconds(2);  // reading what follows an error
constexpr size_t kDrainLimit = 1 << 20;
constexpr size_t kHeaderLimit = 16 * 1024;
constexpr size_t kHeaderFieldLimit = 100;  // header lines per request
// Small send buffers for the streams: a viewer that cannot keep up then backs up after a frame
// or two (and skips the rest) instead of after seconds of frames queued in the kernel.
constexpr int kStreamSendBuffer = 256 * 1024;
constexpr char kServerName[] = "posecast";

// The newest published item and a sequence number, so that a delivery knows how many it missed.
template <class Item>
struct LatestSlot {
  std::mutex mutex;
  std::shared_ptr<const Item> item;
  uint64_t published = 0;
  uint64_t delivered = 0;
  std::atomic<bool> delivery_posted{false};
};

class Connection;
enum class StreamKind { kHttp, kMjpeg, kWebSocket };

// What every connection shares; held by shared_ptr so that it outlives the last handler.
struct ServerState {
  ServerState(LiveServerOptions options_in, LiveServerHooks hooks_in)
      : options(std::move(options_in)),
        hooks(std::move(hooks_in)),
        routes(
            options.page, hooks, options.max_body_bytes, [this] { return stats(); },
            [this] { return latest_frame(); }) {}

  ServerStats stats() const {
    ServerStats s;
    s.mjpeg_viewers = mjpeg_viewers.load();
    s.ws_clients = ws_clients.load();
    s.frames_published = frames_published.load();
    s.frames_sent = frames_sent.load();
    s.frames_skipped = frames_skipped.load();
    s.results_published = results_published.load();
    s.results_sent = results_sent.load();
    s.http_requests = http_requests.load();
    return s;
  }
  FramePtr latest_frame() {
    std::lock_guard lock(frames.mutex);
    return frames.item;
  }
  ResultPtr latest_result() {
    std::lock_guard lock(results.mutex);
    return results.item;
  }

  void add(const std::shared_ptr<Connection>& connection);
  int live_connections();
  template <class Visit>
  void for_each_connection(Visit visit);

  const LiveServerOptions options;
  const LiveServerHooks hooks;
  const stream::HttpRoutes routes;

  std::atomic<int> mjpeg_viewers{0};
  std::atomic<int> ws_clients{0};
  std::atomic<int64_t> frames_published{0};
  std::atomic<int64_t> frames_sent{0};
  std::atomic<int64_t> frames_skipped{0};
  std::atomic<int64_t> results_published{0};
  std::atomic<int64_t> results_sent{0};
  std::atomic<int64_t> http_requests{0};
  std::atomic<bool> stopping{false};

  LatestSlot<stream::SharedFrame> frames;
  LatestSlot<std::string> results;
  // Set once the port is known (the cookie's name has it), before the first connection.
  std::unique_ptr<stream::AccessControl> access;
  std::unique_ptr<net::ssl::context> tls;  // null: plain HTTP

  std::mutex connections_mutex;
  std::vector<std::weak_ptr<Connection>> connections;
};

// A live connection in the registry: stop() closes it, deliveries offer it frames or results.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual StreamKind kind() const = 0;
  virtual void close_soon() = 0;  // posts close() to the connection's strand
  virtual void offer_frame(const FramePtr&) {}
  virtual void offer_result(const ResultPtr&) {}
};

void ServerState::add(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(connections_mutex);
  // Dropping the expired entries whenever the list doubles keeps adding amortized O(1).
  if (connections.size() >= 16 && connections.size() == connections.capacity())
    std::erase_if(connections, [](const auto& weak) { return weak.expired(); });
  connections.push_back(connection);
}

int ServerState::live_connections() {
  std::lock_guard lock(connections_mutex);
  int live = 0;
  for (const auto& weak : connections) live += !weak.expired();
  return live;
}

template <class Visit>
void ServerState::for_each_connection(Visit visit) {
  std::vector<std::shared_ptr<Connection>> live;
  {
    std::lock_guard lock(connections_mutex);
    live.reserve(connections.size());
    for (const auto& weak : connections)
      if (auto connection = weak.lock()) live.push_back(std::move(connection));
  }
  for (const auto& connection : live) visit(*connection);
}

// ----- MJPEG: one multipart part per frame, never more than one frame pending -------------------

template <class Stream>
class MjpegSession : public Connection, public std::enable_shared_from_this<MjpegSession<Stream>> {
 public:
  MjpegSession(Stream stream, std::shared_ptr<ServerState> state)
      : stream_(std::move(stream)), state_(std::move(state)) {}
  ~MjpegSession() override { close(); }

  StreamKind kind() const override { return StreamKind::kMjpeg; }

  void start() {
    ++state_->mjpeg_viewers;
    counted_ = true;
    beast::error_code ignored;
    tcp().socket().set_option(tcp::no_delay(true), ignored);
    tcp().socket().set_option(net::socket_base::send_buffer_size(kStreamSendBuffer), ignored);
    response_head_ =
        "HTTP/1.1 200 OK\r\nServer: " + std::string(kServerName) +
        "\r\nContent-Type: multipart/x-mixed-replace; boundary=" +
        std::string(stream::kMjpegBoundary) +
        "\r\nCache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
        "Connection: close\r\n\r\n";
    pending_ = state_->latest_frame();  // a new viewer sees the current picture at once
    if (pending_) last_sequence_ = pending_->sequence;
    tcp().expires_never();
    read_until_closed();
    writing_ = true;
    tcp().expires_after(state_->options.stalled_viewer_timeout);
    net::async_write(stream_, net::buffer(response_head_),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->on_written(ec, /*was_frame=*/false);
                     });
  }

  void offer_frame(const FramePtr& frame) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), frame] {
      // A frame the viewer already has (the one it got on connecting) is not sent twice.
      if (self->closed_ || frame->sequence <= self->last_sequence_) return;
      if (self->pending_) ++self->state_->frames_skipped;
      self->pending_ = frame;
      self->last_sequence_ = frame->sequence;
      if (!self->writing_) self->write_pending();
    });
  }

  void close_soon() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // The viewer sends nothing after its request; a read completes only when it goes away.
  void read_until_closed() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) return self->close();
                              self->read_until_closed();
                            });
  }

  void write_pending() {
    if (!pending_ || closed_) return;
    in_flight_ = std::move(pending_);
    pending_.reset();
    writing_ = true;
    const std::array<net::const_buffer, 3> part = {
        net::buffer(in_flight_->part_header),
        net::buffer(in_flight_->jpeg->data(), in_flight_->jpeg->size()), net::buffer("\r\n", 2)};
    tcp().expires_after(state_->options.stalled_viewer_timeout);
    net::async_write(stream_, part,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->on_written(ec, /*was_frame=*/true);
                     });
  }

  void on_written(beast::error_code ec, bool was_frame) {
    writing_ = false;
    in_flight_.reset();
    if (ec) return close();
    if (was_frame) ++state_->frames_sent;
    write_pending();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    pending_.reset();
    if (counted_) --state_->mjpeg_viewers;
    counted_ = false;
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  std::string response_head_;
  FramePtr pending_;    // the newest frame not yet written
  FramePtr in_flight_;  // keeps the bytes alive while async_write uses them
  bool writing_ = false;
  bool closed_ = false;
  bool counted_ = false;
  uint64_t last_sequence_ = 0;
  std::array<char, 512> discard_{};
};

// Both WebSocket paths (/ws, /rtc) accept alike: the websocket's own timeouts replace the HTTP
// ones, answers carry our Server header, and a message is bounded like a request body.
template <class WsStream, class AcceptHandler>
void accept_websocket(WsStream& ws, const ServerState& state,
                      const http::request<http::string_body>& request, AcceptHandler handler) {
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, kServerName); }));
  ws.read_message_max(state.options.max_body_bytes);
  ws.async_accept(request, std::move(handler));
}

// ----- WebSocket: one text message per result, never more than one result pending ---------------

template <class Stream>
class WsSession : public Connection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream stream, std::shared_ptr<ServerState> state)
      : ws_(std::move(stream)), state_(std::move(state)) {}
  ~WsSession() override {
    if (counted_) --state_->ws_clients;  // closed by destruction, not by close()
  }

  StreamKind kind() const override { return StreamKind::kWebSocket; }

  void start(http::request<http::string_body> request) {
    accept_websocket(ws_, *state_, request,
                     [self = this->shared_from_this()](beast::error_code ec) {
                       if (ec || self->closed_) return self->close();
                       ++self->state_->ws_clients;
                       self->counted_ = true;
                       self->accepted_ = true;
                       if (!self->pending_) self->pending_ = self->state_->latest_result();
                       self->read_until_closed();
                       self->write_pending();
                     });
  }

  void offer_result(const ResultPtr& result) override {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), result] {
      if (self->closed_) return;
      self->pending_ = result;
      if (self->accepted_ && !self->writing_) self->write_pending();
    });
  }

  void close_soon() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  // Messages from the browser are not part of the protocol: read (to answer pings and notice a
  // close) and drop them.
  void read_until_closed() {
    ws_.async_read(incoming_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->close();
      self->incoming_.clear();
      self->read_until_closed();
    });
  }

  void write_pending() {
    if (!pending_ || closed_) return;
    in_flight_ = std::move(pending_);
    pending_.reset();
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(*in_flight_),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      self->in_flight_.reset();
                      if (ec) return self->close();
                      ++self->state_->results_sent;
                      self->write_pending();
                    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    pending_.reset();
    if (counted_) --state_->ws_clients;
    counted_ = false;
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<Stream> ws_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer incoming_;
  ResultPtr pending_;
  ResultPtr in_flight_;
  bool accepted_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool counted_ = false;
};

// ----- WebRTC signalling: every message in order, to and from hooks.open_signaling's session ----

constexpr size_t kMaxPendingSignals = 256;  // a browser this far behind is gone: disconnect it

template <class Stream>
class RtcSession : public Connection, public std::enable_shared_from_this<RtcSession<Stream>> {
 public:
  RtcSession(Stream stream, std::shared_ptr<ServerState> state)
      : ws_(std::move(stream)), state_(std::move(state)) {}
  ~RtcSession() override {
    // Destroyed without close() (the io_context went first): the other end still hears of it.
    if (signaling_) signaling_->on_close();
  }

  StreamKind kind() const override { return StreamKind::kHttp; }  // offered nothing

  void start(http::request<http::string_body> request) {
    accept_websocket(
        ws_, *state_, request, [self = this->shared_from_this()](beast::error_code ec) {
          if (ec || self->closed_) return self->close();
          // `send` may outlive the connection and be called from any thread: it holds a weak
          // reference and posts to the strand.
          std::weak_ptr<RtcSession> weak = self;
          self->signaling_ = self->state_->hooks.open_signaling([weak](std::string text) {
            if (auto session = weak.lock()) session->send(std::move(text));
          });
          if (!self->signaling_) return self->close();
          self->read_next();
        });
  }

  void close_soon() override {
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

 private:
  void send(std::string text) {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), text = std::move(text)] {
      if (self->closed_) return;
      if (self->outgoing_.size() >= kMaxPendingSignals) return self->close();
      self->outgoing_.push_back(std::move(text));
      if (!self->writing_) self->write_next();
    });
  }

  void read_next() {
    ws_.async_read(incoming_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec || self->closed_) return self->close();
      std::string text = beast::buffers_to_string(self->incoming_.data());
      self->incoming_.clear();
      try {
        self->signaling_->on_message(std::move(text));
      } catch (...) {  // a throwing hook must not take the server down: end this session only
        return self->close();
      }
      self->read_next();
    });
  }

  void write_next() {
    if (outgoing_.empty() || closed_) return;
    writing_ = true;
    ws_.text(true);
    ws_.async_write(net::buffer(outgoing_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      if (ec || self->closed_) return self->close();
                      self->outgoing_.pop_front();
                      self->write_next();
                    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    // A write in flight still reads the front message: it goes with the session.
    outgoing_.erase(outgoing_.begin() + (writing_ && !outgoing_.empty() ? 1 : 0), outgoing_.end());
    if (auto signaling = std::move(signaling_)) signaling->on_close();
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<Stream> ws_;
  std::shared_ptr<ServerState> state_;
  std::shared_ptr<SignalingSession> signaling_;
  beast::flat_buffer incoming_;
  std::deque<std::string> outgoing_;  // front() is being written while writing_
  bool writing_ = false;
  bool closed_ = false;
};

// ----- HTTP: requests in, answers out; hands /stream.mjpg and /ws over --------------------------

template <class Stream>
class HttpSession : public Connection, public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, std::shared_ptr<ServerState> state)
      : stream_(std::move(stream)), state_(std::move(state)) {}

  StreamKind kind() const override { return StreamKind::kHttp; }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kIsTls<Stream>)
        self->detect_tls();
      else
        self->read_request();
    });
  }

  void close_soon() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->handed_over_) return;
      self->closed_ = true;
      self->tcp().close();
    });
  }

 private:
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  // A TLS port: the first bytes say whether a TLS client is talking (a handshake record) or
  // somebody typed http:// (a plain request, answered with a plain 400 that says to use https).
  void detect_tls() {
    tcp().expires_after(state_->options.request_timeout);
    beast::async_detect_ssl(
        tcp(), buffer_, [self = this->shared_from_this()](beast::error_code ec, bool is_tls) {
          if (ec || self->closed_) return self->tcp().close();
          if (!is_tls) return self->refuse_plain_http();
          self->stream_.async_handshake(net::ssl::stream_base::server, self->buffer_.data(),
                                        [self](beast::error_code handshake_ec, size_t used) {
                                          // A failed handshake (wrong protocol, untrusted
                                          // certificate, timeout): close.
                                          if (handshake_ec || self->closed_)
                                            return self->tcp().close();
                                          self->buffer_.consume(used);
                                          self->read_request();
                                        });
        });
  }

  void refuse_plain_http() {
    ++state_->http_requests;
    static const std::string kBody =
        "{\"error\":\"this server speaks HTTPS only: open https:// instead of http://\"}\n";
    static const std::string kAnswer =
        "HTTP/1.1 400 Bad Request\r\nServer: posecast\r\nContent-Type: application/json\r\n"
        "Connection: close\r\nContent-Length: " +
        std::to_string(kBody.size()) + "\r\n\r\n" + kBody;
    net::async_write(tcp(), net::buffer(kAnswer),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->tcp().close();
                       self->drain_and_close();
                     });
  }

  void read_request() {
    if (closed_) return;
    parser_.emplace();
    parser_->body_limit(state_->options.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    tcp().expires_after(state_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (ec == http::error::end_of_stream || closed_) return tcp().close();
    if (ec == http::error::body_limit) {
      return answer(state_->routes.body_too_large(), /*keep_alive=*/false, /*head=*/false);
    }
    if (ec == http::error::header_limit) {
      return answer(stream::HttpRoutes::bad_request("request header larger than " +
                                                    std::to_string(kHeaderLimit) + " bytes"),
                    false, false);
    }
    if (ec && ec.category() == make_error_code(http::error::end_of_stream).category()) {
      // A malformed request (bad method, target, version, chunk...): say so, then hang up.
      return answer(stream::HttpRoutes::bad_request(ec.message()), false, false);
    }
    if (ec || state_->stopping) return tcp().close();  // timeout, reset: nobody to answer

    http::request<http::string_body> request = parser_->release();
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view path = stream::request_path(target);
    const std::string_view method(request.method_string().data(), request.method_string().size());
    const bool head = request.method() == http::verb::head;
    if (static_cast<size_t>(std::distance(request.begin(), request.end())) > kHeaderFieldLimit) {
      HttpResponse too_many = stream::HttpRoutes::bad_request(
          "more than " + std::to_string(kHeaderFieldLimit) + " header fields");
      too_many.status = 431;
      return answer(std::move(too_many), false, head);
    }
    auto field = [&](auto name) {
      const auto value = request[name];
      return std::string_view(value.data(), value.size());
    };
    const bool upgrade = websocket::is_upgrade(request);
    stream::AccessDecision access = state_->access->check(
        {method, target, field(http::field::cookie), field(http::field::authorization),
         field(http::field::origin), field(http::field::host), field("Sec-Fetch-Site"), upgrade});
    if (access.instead) {
      if (!access.set_cookie.empty())
        access.instead->headers.emplace_back("Set-Cookie", access.set_cookie);
      return answer(std::move(*access.instead), request.keep_alive(), head);
    }
    if (path == "/ws" && upgrade) {
      ++state_->http_requests;
      handed_over_ = true;
      auto session = std::make_shared<WsSession<Stream>>(std::move(stream_), state_);
      state_->add(session);
      return session->start(std::move(request));
    }
    if (path == "/rtc" && upgrade && state_->options.page == LivePage::kViewer &&
        state_->hooks.open_signaling) {
      ++state_->http_requests;
      handed_over_ = true;
      auto session = std::make_shared<RtcSession<Stream>>(std::move(stream_), state_);
      state_->add(session);
      return session->start(std::move(request));
    }
    if (path == "/stream.mjpg" && request.method() == http::verb::get &&
        state_->options.page == LivePage::kViewer) {
      ++state_->http_requests;
      handed_over_ = true;
      auto session = std::make_shared<MjpegSession<Stream>>(std::move(stream_), state_);
      state_->add(session);
      return session->start();
    }
    HttpResponse response = state_->routes.handle({method, target, request.body()});
    if (!access.set_cookie.empty()) response.headers.emplace_back("Set-Cookie", access.set_cookie);
    answer(std::move(response), request.keep_alive(), head);
  }

  void answer(HttpResponse response, bool keep_alive, bool head) {
    ++state_->http_requests;
    auto& res = response_.emplace();
    res.version(11);
    res.result(static_cast<unsigned>(response.status));
    res.set(http::field::server, kServerName);
    res.set(http::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive);
    if (head) {
      res.content_length(response.body.size());
    } else {
      res.body() = std::move(response.body);
      res.prepare_payload();
    }
    tcp().expires_after(state_->options.request_timeout);
    http::async_write(stream_, res,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->response_.reset();
                        if (ec) return self->tcp().close();
                        if (keep_alive) return self->read_request();
                        self->drain_and_close();
                      });
  }

  // After an answer that ends the connection, the client may still be sending (a body over the
  // limit): closing with unread bytes would reset the connection and could lose the answer, so
  // stop sending, read what comes for a moment, then close. The bytes are discarded undecrypted
  // under TLS too: the answer carries its length, so the client needs no close_notify.
  void drain_and_close() {
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    tcp().expires_after(kDrainTimeout);
    drain();
  }
  void drain() {
    tcp().async_read_some(net::buffer(discard_),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            self->drained_ += n;
                            if (ec || self->closed_ || self->drained_ > kDrainLimit)
                              return self->tcp().close();
                            self->drain();
                          });
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::array<char, 4096> discard_{};
  size_t drained_ = 0;
  bool handed_over_ = false;
  bool closed_ = false;
};

// ----- Accepting ------------------------------------------------------------------------------

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& io, tcp::acceptor acceptor, std::shared_ptr<ServerState> state)
      : io_(io),
        acceptor_(std::move(acceptor)),
        retry_(acceptor_.get_executor()),
        state_(std::move(state)) {}

  void start() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
  }
  void close_soon() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(io_), [self = shared_from_this()](beast::error_code ec,
                                                                              tcp::socket socket) {
      if (!self->acceptor_.is_open() || self->state_->stopping) return;
      if (ec) {
        // Out of descriptors and the like: try again shortly instead of spinning.
        self->retry_.expires_after(std::chrono::milliseconds(100));
        return self->retry_.async_wait([self](beast::error_code wait_ec) {
          if (!wait_ec) self->accept();
        });
      }
      if (self->state_->live_connections() >= self->state_->options.max_connections) {
        self->refuse_busy(socket);
        return self->accept();
      }
      if (self->state_->tls) {
        self->serve(std::make_shared<HttpSession<TlsStream>>(
            TlsStream(std::move(socket), *self->state_->tls), self->state_));
      } else {
        self->serve(std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)),
                                                               self->state_));
      }
      self->accept();
    });
  }

  template <class Session>
  void serve(const std::shared_ptr<Session>& session) {
    state_->add(session);
    session->start();
  }

  // Full: say so and hang up, rather than let one client starve every viewer. (A TLS client is
  // just hung up on: answering would cost a handshake, which is what a flood wants.)
  void refuse_busy(tcp::socket& socket) {
    static const std::string kBusyBody =
        "{\"error\":\"too many connections: the server is full\"}\n";
    static const std::string kBusy =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
        "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
        std::to_string(kBusyBody.size()) + "\r\n\r\n" + kBusyBody;
    beast::error_code ignored;
    if (!state_->tls) net::write(socket, net::buffer(kBusy), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<ServerState> state_;
};

// The server's TLS context from --tls-cert/--tls-key, or an error naming the file and the fault.
Result<std::unique_ptr<net::ssl::context>> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file) {
  if (cert_file.empty() != key_file.empty())
    return Error("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
  for (const auto& [option, file] : {std::pair{"--tls-cert", &cert_file}, {"--tls-key", &key_file}})
    if (!std::ifstream(*file))
      return Error(std::string(option) + " " + *file + ": cannot read it: " + std::strerror(errno));
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; OpenSSL's default ciphers for those.
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  // An encrypted key would make OpenSSL ask for its passphrase on the terminal: fail instead.
  context->set_password_callback(
      [](size_t, net::ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  if (context->use_certificate_chain_file(cert_file, ec))
    return Error("--tls-cert " + cert_file + " is not a PEM certificate: " + ec.message());
  const std::string mismatch =
      "--tls-key " + key_file + " does not match the certificate in --tls-cert " + cert_file;
  if (context->use_private_key_file(key_file, net::ssl::context::pem, ec)) {
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
      return Error(mismatch);
    return Error("--tls-key " + key_file +
                 " is not an unencrypted PEM private key: " + ec.message());
  }
  if (::SSL_CTX_check_private_key(context->native_handle()) != 1) return Error(mismatch);
  return context;
}

}  // namespace

// ----- LiveServer -----------------------------------------------------------------------------

class LiveServer::Impl {
 public:
  Impl(LiveServerOptions options, LiveServerHooks hooks)
      : state(std::make_shared<ServerState>(std::move(options), std::move(hooks))),
        hub(net::make_strand(io)),
        work(net::make_work_guard(io)) {}

  // Delivers the newest frame (or result) to every connection, on the hub strand so that
  // deliveries reach each connection in publish order.
  template <class Item, class Offer>
  void post_delivery(LatestSlot<Item>& slot, Offer offer) {
    if (slot.delivery_posted.exchange(true)) return;  // one is on its way; it takes the newest
    net::post(hub, [state = this->state, &slot, offer] {
      slot.delivery_posted = false;
      std::shared_ptr<const Item> item;
      uint64_t missed = 0;
      {
        std::lock_guard lock(slot.mutex);
        if (slot.published == slot.delivered) return;
        missed = slot.published - slot.delivered - 1;
        slot.delivered = slot.published;
        item = slot.item;
      }
      offer(*state, item, missed);
    });
  }

  std::shared_ptr<ServerState> state;
  net::io_context io;
  net::strand<net::io_context::executor_type> hub;
  net::executor_work_guard<net::io_context::executor_type> work;
  std::shared_ptr<Listener> listener;
  uint16_t port = 0;
  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  std::condition_variable threads_done;
  int threads_running = 0;
  bool stopped = false;
};

Result<LiveServerOptions> parse_http_address(std::string_view host_port, LiveServerOptions base) {
  const auto bad = [&](std::string_view why) {
    return Error("bad --http address '" + std::string(host_port) + "': " + std::string(why) +
                 " (expected HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8080)");
  };
  auto address = parse_host_port(host_port, HostPortRules::listening(base.host));
  if (!address) return bad(address.error().message());
  if (address->host == "localhost") address->host = "127.0.0.1";
  beast::error_code address_ec;
  net::ip::make_address(address->host, address_ec);
  if (address_ec) return bad("host must be an IP address");
  base.host = std::move(address->host);
  base.port = address->port;
  return base;
}

Result<std::unique_ptr<LiveServer>> LiveServer::start(LiveServerOptions options,
                                                      LiveServerHooks hooks) {
  const std::string where = options.host + ":" + std::to_string(options.port);
  beast::error_code ec;
  const net::ip::address address = net::ip::make_address(options.host, ec);
  if (ec)
    return Error("cannot listen on " + where + ": '" + options.host + "' is not an IP address");
  if (options.threads < 1 || options.threads > 4)
    return Error("live server threads must be 1-4, not " + std::to_string(options.threads));
  if (options.max_body_bytes == 0) return Error("live server max_body_bytes must be > 0");
  std::unique_ptr<net::ssl::context> tls;
  if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
    auto context = make_tls_context(options.tls_cert_file, options.tls_key_file);
    if (!context) return context.error();
    tls = std::move(context).value();
  }

  auto impl = std::make_unique<Impl>(std::move(options), std::move(hooks));
  impl->state->tls = std::move(tls);
  tcp::acceptor acceptor(net::make_strand(impl->io));
  const tcp::endpoint endpoint(address, impl->state->options.port);
  const auto fail = [&](std::string_view step) {
    return Error("cannot listen on " + where + ": " + std::string(step) + ": " + ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor.set_option(net::socket_base::reuse_address(true), ec)) return fail("SO_REUSEADDR");
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(net::socket_base::max_listen_connections, ec)) return fail("listen");
  impl->port = acceptor.local_endpoint(ec).port();
  if (ec) return fail("local address");
  impl->state->access = std::make_unique<stream::AccessControl>(
      impl->state->options.access_token, impl->port, /*secure=*/impl->state->tls != nullptr);

  impl->listener = std::make_shared<Listener>(impl->io, std::move(acceptor), impl->state);
  impl->listener->start();
  impl->threads_running = impl->state->options.threads;
  for (int i = 0; i < impl->state->options.threads; ++i) {
    impl->threads.emplace_back([raw = impl.get()] {
      raw->io.run();
      std::lock_guard lock(raw->threads_mutex);
      --raw->threads_running;
      raw->threads_done.notify_all();
    });
  }
  return std::unique_ptr<LiveServer>(new LiveServer(std::move(impl)));
}

LiveServer::LiveServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

LiveServer::~LiveServer() { stop(); }

uint16_t LiveServer::port() const { return impl_->port; }

std::string LiveServer::access_url() const {
  const std::string& token = impl_->state->options.access_token;
  return token.empty() ? url() : url() + "?token=" + token;
}

std::string LiveServer::url() const {
  beast::error_code ec;
  net::ip::address address = net::ip::make_address(impl_->state->options.host, ec);
  if (!ec && address.is_unspecified()) {
    address = address.is_v6() ? net::ip::address(net::ip::address_v6::loopback())
                              : net::ip::address(net::ip::address_v4::loopback());
  }
  const std::string host = ec                ? impl_->state->options.host
                           : address.is_v6() ? "[" + address.to_string() + "]"
                                             : address.to_string();
  return (impl_->state->tls ? "https://" : "http://") + host + ":" + std::to_string(impl_->port) +
         "/";
}

void LiveServer::publish_frame(Jpeg jpeg, int64_t frame, int64_t capture_unix_ms) {
  ServerState& state = *impl_->state;
  if (state.stopping || !jpeg) return;
  ++state.frames_published;
  auto shared = stream::make_shared_frame(std::move(jpeg), frame, capture_unix_ms);
  {
    std::lock_guard lock(state.frames.mutex);
    shared->sequence = ++state.frames.published;
    state.frames.item = std::move(shared);
  }
  impl_->post_delivery(state.frames, [](ServerState& s, const FramePtr& item, uint64_t missed) {
    int viewers = 0;
    s.for_each_connection([&](Connection& c) {
      if (c.kind() != StreamKind::kMjpeg) return;
      ++viewers;
      c.offer_frame(item);
    });
    // Frames replaced before delivery were skipped by every viewer.
    s.frames_skipped += static_cast<int64_t>(missed) * viewers;
  });
}

void LiveServer::publish_result(std::string json_line) {
  ServerState& state = *impl_->state;
  if (state.stopping) return;
  ++state.results_published;
  auto shared = std::make_shared<const std::string>(std::move(json_line));
  {
    std::lock_guard lock(state.results.mutex);
    state.results.item = std::move(shared);
    ++state.results.published;
  }
  impl_->post_delivery(state.results, [](ServerState& s, const ResultPtr& item, uint64_t) {
    s.for_each_connection([&](Connection& c) {
      if (c.kind() == StreamKind::kWebSocket) c.offer_result(item);
    });
  });
}

ServerStats LiveServer::stats() const { return impl_->state->stats(); }

void LiveServer::stop() {
  Impl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  impl.state->stopping = true;
  impl.listener->close_soon();
  impl.state->for_each_connection([](Connection& c) { c.close_soon(); });
  impl.work.reset();
  // With every socket closed the io threads run out of work and return; a handler that does not
  // finish in time is cut short (its connection is destroyed with the io_context).
  {
    std::unique_lock lock(impl.threads_mutex);
    if (!impl.threads_done.wait_for(lock, std::chrono::seconds(2),
                                    [&] { return impl.threads_running == 0; }))
      impl.io.stop();
  }
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
  impl.listener.reset();
}

}  // namespace posecast
