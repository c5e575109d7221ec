// The /rtc sessions (webrtc_peer.h): JSON in from the browser, a WebRtcPeer per session once the
// browser says start, and every peer ended when the session closes or close_all() runs.
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>

#include "posecast/webrtc_peer.h"

namespace posecast {

using json = nlohmann::json;

namespace {
class Session;
}

struct WebRtcSignaling::State {
  std::function<VideoEncoder*()> vp8_encoder;
  WebRtcOptions options;
  std::string config_message;  // {"type":"config","iceServers":[...]}, sent on connecting
  std::mutex mutex;
  std::vector<std::weak_ptr<Session>> sessions;
  bool closed = false;
};

namespace {

class Session : public SignalingSession {
 public:
  Session(std::weak_ptr<WebRtcSignaling::State> state, std::function<void(std::string)> send)
      : state_(std::move(state)), send_(std::move(send)) {}

  void on_message(std::string text) override {
    json message = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) return send_error("the message is not JSON: " + excerpt(text));
    if (!message.is_object()) return send_error("the message must be a JSON object");
    const auto type = message.find("type");
    if (type == message.end() || !type->is_string())
      return send_error("field 'type' is missing or not a string");
    if (*type == "start") return start();
    std::lock_guard lock(mutex_);
    if (!peer_) return send_error("send {\"type\":\"start\"} first");
    if (Status s = peer_->handle_message(message); !s) send_error(s.error().message());
  }

  void on_close() override { end_peer(/*closing=*/true); }

  // Ends the peer (the encoder is going away, or the browser left); later starts are refused.
  void end_peer(bool closing) {
    std::unique_ptr<WebRtcPeer> peer;
    {
      std::lock_guard lock(mutex_);
      closed_ = closed_ || closing;
      peer = std::move(peer_);
    }
    peer.reset();  // tears the pipeline down outside the lock: its callbacks may want the lock
  }

  bool has_peer() {
    std::lock_guard lock(mutex_);
    return peer_ != nullptr;
  }
  std::optional<WebRtcPeerStats> peer_stats() {
    std::lock_guard lock(mutex_);
    if (!peer_) return std::nullopt;
    return peer_->stats();
  }

 private:
  static std::string excerpt(const std::string& text) {
    // append() rather than "'" + string: GCC 12 warns falsely (-Wrestrict) on the latter.
    std::string quoted = "'";
    quoted.append(text, 0, 40).append(text.size() > 40 ? "...'" : "'");
    return quoted;
  }

  void send_error(const std::string& message) {
    send_(json{{"type", "error"}, {"message", message}}.dump());
  }

  void start() {
    end_peer(/*closing=*/false);  // a second start restarts
    auto state = state_.lock();
    if (!state) return send_error("WebRTC has ended on this device: use MJPEG");
    VideoEncoder* encoder = nullptr;
    int live = 0;
    {
      std::lock_guard lock(state->mutex);
      if (state->closed) return send_error("WebRTC has ended on this device: use MJPEG");
      for (const auto& weak : state->sessions)
        if (auto session = weak.lock(); session && session.get() != this && session->has_peer())
          ++live;
    }
    if (live >= state->options.max_peers)
      return send_error("too many WebRTC viewers (" + std::to_string(live) + "): use MJPEG");
    try {
      encoder = state->vp8_encoder ? state->vp8_encoder() : nullptr;
    } catch (const std::exception& e) {
      return send_error(std::string("the VP8 encoder did not start: ") + e.what());
    }
    if (!encoder) return send_error("no VP8 encoder on this device: use MJPEG");
    auto peer = WebRtcPeer::start(*encoder, state->options, send_);
    if (!peer) return send_error(peer.error().message());
    std::lock_guard lock(mutex_);
    if (closed_) return;  // the browser left meanwhile: the peer ends here
    peer_ = std::move(peer).value();
  }

  std::weak_ptr<WebRtcSignaling::State> state_;
  std::function<void(std::string)> send_;
  std::mutex mutex_;
  std::unique_ptr<WebRtcPeer> peer_;
  bool closed_ = false;
};

}  // namespace

WebRtcSignaling::WebRtcSignaling(std::function<VideoEncoder*()> vp8_encoder, WebRtcOptions options)
    : state_(std::make_shared<State>()) {
  state_->vp8_encoder = std::move(vp8_encoder);
  state_->config_message =
      json{{"type", "config"}, {"iceServers", browser_ice_servers(options)}}.dump();
  state_->options = std::move(options);
}

WebRtcSignaling::~WebRtcSignaling() { close_all(); }

std::function<std::shared_ptr<SignalingSession>(std::function<void(std::string)>)>
WebRtcSignaling::hook() {
  std::weak_ptr<State> weak = state_;
  return [weak](std::function<void(std::string)> send) -> std::shared_ptr<SignalingSession> {
    auto state = weak.lock();
    if (!state) return nullptr;
    auto session = std::make_shared<Session>(weak, send);
    {
      std::lock_guard lock(state->mutex);
      if (state->closed) return nullptr;
      // Dropping the ended sessions whenever the list doubles keeps this amortized O(1).
      if (state->sessions.size() >= 16 && state->sessions.size() == state->sessions.capacity())
        std::erase_if(state->sessions, [](const auto& s) { return s.expired(); });
      state->sessions.push_back(session);
    }
    send(state->config_message);
    return session;
  };
}

namespace {
template <class Visit>
void for_each_session(WebRtcSignaling::State& state, Visit visit) {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(state.mutex);
    for (const auto& weak : state.sessions)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (const auto& session : live) visit(*session);
}
}  // namespace

int WebRtcSignaling::peers() const {
  int peers = 0;
  for_each_session(*state_, [&](Session& session) { peers += session.has_peer(); });
  return peers;
}

json WebRtcSignaling::status() const {
  int peers = 0, connected = 0;
  int64_t frames = 0, bytes = 0;
  for_each_session(*state_, [&](Session& session) {
    if (auto stats = session.peer_stats()) {
      ++peers;
      connected += stats->state == "connected";
      frames += stats->frames_sent;
      bytes += stats->bytes_sent;
    }
  });
  return {{"peers", peers},
          {"connected", connected},
          {"frames_sent", frames},
          {"bytes_sent", bytes},
          {"ice_servers", state_->options.ice_servers.size()}};
}

void WebRtcSignaling::close_all() {
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
  }
  for_each_session(*state_, [](Session& session) { session.end_peer(/*closing=*/true); });
}

}  // namespace posecast
