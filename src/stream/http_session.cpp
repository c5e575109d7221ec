#include "http_session.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <string>

#include "mjpeg_session.h"
#include "request_checks.h"
#include "rtc_signaling_session.h"
#include "websocket_session.h"

namespace posecast::stream {
namespace {

namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto kDrainTimeout = std::chrono::seconds(2);  // reading what follows an error
constexpr size_t kDrainLimit = 1 << 20;

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
    apply_request_limits(*parser_, state_->options.max_body_bytes);
    tcp().expires_after(state_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
  }

  void on_request(beast::error_code ec) {
    if (closed_) return tcp().close();
    if (ec) {
      std::optional<HttpResponse> refusal = read_error_answer(ec, state_->routes);
      if (!refusal) return tcp().close();
      return answer(std::move(*refusal), /*keep_alive=*/false, /*head=*/false);
    }
    if (state_->stopping) return tcp().close();

    Request request = parser_->release();
    const bool head = request.method() == http::verb::head;
    RequestCheck check =
        check_request(request, *state_->access,
                      {state_->options.page, static_cast<bool>(state_->hooks.open_signaling)});
    switch (check.route) {
      case RequestRoute::kAnswer:
        return answer(std::move(*check.answer), check.keep_alive, head);
      case RequestRoute::kMjpeg:
        hand_over();
        return start_mjpeg_session(std::move(stream_), state_);
      case RequestRoute::kWebSocket:
        hand_over();
        return start_websocket_session(std::move(stream_), state_, std::move(request));
      case RequestRoute::kSignaling:
        hand_over();
        return start_signaling_session(std::move(stream_), state_, std::move(request));
      case RequestRoute::kRoutes:
        break;
    }
    const std::string_view target(request.target().data(), request.target().size());
    const std::string_view method(request.method_string().data(), request.method_string().size());
    HttpResponse response = state_->routes.handle({method, target, request.body()});
    if (!check.set_cookie.empty()) response.headers.emplace_back("Set-Cookie", check.set_cookie);
    answer(std::move(response), request.keep_alive(), head);
  }

  // The connection goes to a stream session; this one only counts the request and lets go.
  void hand_over() {
    ++state_->http_requests;
    handed_over_ = true;
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
  std::optional<RequestParser> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::array<char, 4096> discard_{};
  size_t drained_ = 0;
  bool handed_over_ = false;
  bool closed_ = false;
};

template <class Stream>
void serve(Stream stream, const std::shared_ptr<ServerState>& state) {
  auto session = std::make_shared<HttpSession<Stream>>(std::move(stream), state);
  state->connections.add(session);
  session->start();
}

}  // namespace

void start_http_session(tcp::socket socket, const std::shared_ptr<ServerState>& state) {
  if (state->tls)
    serve(TlsStream(std::move(socket), *state->tls), state);
  else
    serve(PlainStream(std::move(socket)), state);
}

}  // namespace posecast::stream
