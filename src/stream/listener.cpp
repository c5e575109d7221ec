#include "listener.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "http_session.h"

namespace posecast::stream {

using tcp = net::ip::tcp;

Listener::Listener(net::io_context& io, tcp::acceptor acceptor, std::shared_ptr<ServerState> state)
    : io_(io),
      acceptor_(std::move(acceptor)),
      retry_(acceptor_.get_executor()),
      state_(std::move(state)) {}

void Listener::start() {
  net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
}

void Listener::close_soon() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_.cancel();
  });
}

void Listener::accept() {
  acceptor_.async_accept(
      net::make_strand(io_), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (!self->acceptor_.is_open() || self->state_->stopping) return;
        if (ec) {
          // Out of descriptors and the like: try again shortly instead of spinning.
          self->retry_.expires_after(std::chrono::milliseconds(100));
          return self->retry_.async_wait([self](beast::error_code wait_ec) {
            if (!wait_ec) self->accept();
          });
        }
        if (self->state_->connections.live_count() >= self->state_->options.max_connections) {
          self->refuse_busy(socket);
          return self->accept();
        }
        start_http_session(std::move(socket), self->state_);
        self->accept();
      });
}

// Full: say so and hang up, rather than let one client starve every viewer. (A TLS client is
// just hung up on: answering would cost a handshake, which is what a flood wants.)
void Listener::refuse_busy(tcp::socket& socket) {
  static const std::string kBusyBody = "{\"error\":\"too many connections: the server is full\"}\n";
  static const std::string kBusy =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Retry-After: 5\r\nConnection: close\r\nContent-Length: " +
      std::to_string(kBusyBody.size()) + "\r\n\r\n" + kBusyBody;
  beast::error_code ignored;
  if (!state_->tls) net::write(socket, net::buffer(kBusy), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace posecast::stream
