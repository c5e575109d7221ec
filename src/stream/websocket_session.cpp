#include "websocket_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <string>

#include "newest_only_writer.h"
#include "websocket_accept.h"

namespace posecast::stream {
namespace {

namespace http = beast::http;
namespace websocket = beast::websocket;

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
                       if (!self->writer_.has_pending())
                         self->writer_.offer(self->state_->latest_result());
                       self->read_until_closed();
                       self->write_pending();
                     });
  }

  void offer_result(const ResultPtr& result) override {
    net::post(ws_.get_executor(), [self = this->shared_from_this(), result] {
      if (self->closed_) return;
      self->writer_.offer(result);
      if (self->accepted_) self->write_pending();
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
    if (closed_) return;
    auto self = this->shared_from_this();
    writer_.write_pending(
        [self](const std::string& text, auto done) {
          self->ws_.text(true);
          self->ws_.async_write(net::buffer(text), [done = std::move(done)](beast::error_code ec,
                                                                            size_t) { done(ec); });
        },
        [self](beast::error_code ec) {
          if (ec) {
            self->close();
            return false;
          }
          ++self->state_->results_sent;
          return true;
        });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    writer_.drop_pending();
    if (counted_) --state_->ws_clients;
    counted_ = false;
    beast::get_lowest_layer(ws_).close();
  }

  websocket::stream<Stream> ws_;
  std::shared_ptr<ServerState> state_;
  beast::flat_buffer incoming_;
  NewestOnlyWriter<std::string> writer_;
  bool accepted_ = false;
  bool closed_ = false;
  bool counted_ = false;
};

}  // namespace

template <class Stream>
void start_websocket_session(Stream stream, const std::shared_ptr<ServerState>& state,
                             http::request<http::string_body> request) {
  auto session = std::make_shared<WsSession<Stream>>(std::move(stream), state);
  state->connections.add(session);
  session->start(std::move(request));
}

template void start_websocket_session(PlainStream, const std::shared_ptr<ServerState>&,
                                      http::request<http::string_body>);
template void start_websocket_session(TlsStream, const std::shared_ptr<ServerState>&,
                                      http::request<http::string_body>);

}  // namespace posecast::stream
