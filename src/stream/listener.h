// Accepts the live server's connections: each on a strand of its own and served as HTTP (or
// HTTPS), or refused with a 503 when the server already holds max_connections.
// Threading: the acceptor and its retry timer are touched on the acceptor's strand only; start
// and close_soon dispatch or post there.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

#include "server_state.h"

namespace posecast::stream {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // `acceptor` is open, bound and listening, on a strand of `io`.
  Listener(net::io_context& io, net::ip::tcp::acceptor acceptor,
           std::shared_ptr<ServerState> state);

  void start();
  void close_soon();

 private:
  void accept();
  void refuse_busy(net::ip::tcp::socket& socket);

  net::io_context& io_;
  net::ip::tcp::acceptor acceptor_;
  net::steady_timer retry_;
  std::shared_ptr<ServerState> state_;
};

}  // namespace posecast::stream
