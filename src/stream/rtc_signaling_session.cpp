#include "rtc_signaling_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <string>

#include "websocket_accept.h"

namespace posecast::stream {
namespace {

namespace http = beast::http;
namespace websocket = beast::websocket;

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

}  // namespace

template <class Stream>
void start_signaling_session(Stream stream, const std::shared_ptr<ServerState>& state,
                             http::request<http::string_body> request) {
  auto session = std::make_shared<RtcSession<Stream>>(std::move(stream), state);
  state->connections.add(session);
  session->start(std::move(request));
}

template void start_signaling_session(PlainStream, const std::shared_ptr<ServerState>&,
                                      http::request<http::string_body>);
template void start_signaling_session(TlsStream, const std::shared_ptr<ServerState>&,
                                      http::request<http::string_body>);

}  // namespace posecast::stream
