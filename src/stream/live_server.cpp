// The live server's core: start-up (address, TLS, listening socket, io threads), publishing and
// stop. Threading model:
// - every connection runs on its own strand; its state is touched only there (the sessions:
//   http_session.h, mjpeg_session.h, websocket_session.h, rtc_signaling_session.h);
// - publish_frame/publish_result store the newest item under a short lock and post one delivery
//   to the hub strand (coalesced: a second publish before delivery posts nothing), which offers
//   it to every connection; a connection keeps at most one pending item, so a slow viewer skips
//   frames and memory stays bounded whatever the viewers do (newest_only_writer.h).
#include "posecast/live_server.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "listener.h"
#include "posecast/host_port.h"
#include "server_state.h"
#include "tls_context.h"

namespace posecast {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using stream::Connection;
using stream::FramePtr;
using stream::LatestSlot;
using stream::ResultPtr;
using stream::ServerState;
using stream::StreamKind;

}  // namespace

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
  std::shared_ptr<stream::Listener> listener;
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
    auto context = stream::make_tls_context(options.tls_cert_file, options.tls_key_file);
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
      impl->state->options.access_token, impl->port, /*secure=*/impl->state->tls != nullptr,
      impl->state->options.viewer_link_device);

  impl->listener = std::make_shared<stream::Listener>(impl->io, std::move(acceptor), impl->state);
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
    s.connections.for_each([&](Connection& c) {
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
    s.connections.for_each([&](Connection& c) {
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
  impl.state->connections.for_each([](Connection& c) { c.close_soon(); });
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
