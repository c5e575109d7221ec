#include "server_state.h"

namespace posecast::stream {

ServerState::ServerState(LiveServerOptions options_in, LiveServerHooks hooks_in)
    : options(std::move(options_in)),
      hooks(std::move(hooks_in)),
      routes(
          options.page, hooks, options.max_body_bytes, [this] { return stats(); },
          [this] { return latest_frame(); }) {}

ServerStats ServerState::stats() const {
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

FramePtr ServerState::latest_frame() {
  std::lock_guard lock(frames.mutex);
  return frames.item;
}

ResultPtr ServerState::latest_result() {
  std::lock_guard lock(results.mutex);
  return results.item;
}

}  // namespace posecast::stream
