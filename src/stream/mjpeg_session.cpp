#include "mjpeg_session.h"

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <string>

#include "newest_only_writer.h"

namespace posecast::stream {
namespace {

using tcp = net::ip::tcp;

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
        "\r\nContent-Type: multipart/x-mixed-replace; boundary=" + std::string(kMjpegBoundary) +
        "\r\nCache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"
        "Connection: close\r\n\r\n";
    // A new viewer sees the current picture at once.
    if (FramePtr current = state_->latest_frame()) {
      last_sequence_ = current->sequence;
      writer_.offer(std::move(current));
    }
    tcp().expires_never();
    read_until_closed();
    writer_.start_other_write();  // the response head goes first; frames offered meanwhile wait
    tcp().expires_after(state_->options.stalled_viewer_timeout);
    net::async_write(stream_, net::buffer(response_head_),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->writer_.finish_other_write();
                       if (ec) return self->close();
                       self->write_pending();
                     });
  }

  void offer_frame(const FramePtr& frame) override {
    net::post(stream_.get_executor(), [self = this->shared_from_this(), frame] {
      // A frame the viewer already has (the one it got on connecting) is not sent twice.
      if (self->closed_ || frame->sequence <= self->last_sequence_) return;
      if (self->writer_.offer(frame)) ++self->state_->frames_skipped;
      self->last_sequence_ = frame->sequence;
      self->write_pending();
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

  // Each frame is one multipart part: its header, the JPEG bytes, CRLF.
  void write_pending() {
    if (closed_) return;
    auto self = this->shared_from_this();
    writer_.write_pending(
        [self](const SharedFrame& frame, auto done) {
          const std::array<net::const_buffer, 3> part = {
              net::buffer(frame.part_header), net::buffer(frame.jpeg->data(), frame.jpeg->size()),
              net::buffer("\r\n", 2)};
          self->tcp().expires_after(self->state_->options.stalled_viewer_timeout);
          net::async_write(self->stream_, part,
                           [done = std::move(done)](beast::error_code ec, size_t) { done(ec); });
        },
        [self](beast::error_code ec) {
          if (ec) {
            self->close();
            return false;
          }
          ++self->state_->frames_sent;
          return true;
        });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    writer_.drop_pending();
    if (counted_) --state_->mjpeg_viewers;
    counted_ = false;
    beast::error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().close();
  }

  Stream stream_;
  std::shared_ptr<ServerState> state_;
  std::string response_head_;
  NewestOnlyWriter<SharedFrame> writer_;
  bool closed_ = false;
  bool counted_ = false;
  uint64_t last_sequence_ = 0;
  std::array<char, 512> discard_{};
};

}  // namespace

template <class Stream>
void start_mjpeg_session(Stream stream, const std::shared_ptr<ServerState>& state) {
  auto session = std::make_shared<MjpegSession<Stream>>(std::move(stream), state);
  state->connections.add(session);
  session->start();
}

template void start_mjpeg_session(PlainStream, const std::shared_ptr<ServerState>&);
template void start_mjpeg_session(TlsStream, const std::shared_ptr<ServerState>&);

}  // namespace posecast::stream
