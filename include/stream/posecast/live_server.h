// The live streaming server: a browser viewer, an MJPEG stream, a WebSocket of per-frame results
// and a small JSON API, served from one process on 1-2 threads of its own.
//
// The pipeline hands the server what it already made: each frame's JPEG bytes (encoded once and
// shared by every viewer) and each frame's result as a JSON line. Neither call ever blocks the
// pipeline: every connection holds at most the newest frame it has not sent yet, so a slow viewer
// skips frames instead of growing a queue or slowing anybody else.
//
// Endpoints (see src/stream/http_routes.h for the exact answers):
//   GET  /              the viewer page (assets embedded in the binary, no CDN)
//   GET  /stream.mjpg   multipart/x-mixed-replace JPEG parts with X-Frame and X-Capture-Time
//   GET  /snapshot.jpg  the latest frame (503 before the first one)
//   GET  /ws            WebSocket: one text message per published result
//   GET  /rtc           WebSocket: WebRTC signalling, one hooks.open_signaling session per
//                       connection, every message delivered in order (webrtc_peer.h); 404 unset
//   GET  /api/status    hooks.status_json() plus the server's own fields
//   POST /api/target    {"pose": "tree"} ({"pose": null}: any pose) or {"exercise": "squat",
//                       "reps": 10} -> hooks.on_target
//   POST /api/message   {"text": "Relax your shoulders"} -> hooks.on_message
//   POST /api/person    {"person": 2} (coach person 2), {"person": "all"} (everyone) or
//                       {"person": 0} (automatic) -> hooks.on_person
//   GET  /metrics       Prometheus text: server counters plus hooks.metrics_text()
//   GET|POST /api/auth  for the media servers in front of the video (deploy/nginx-rtmp): 200 when
//                       the request shows a valid token or viewer link (Bearer, ?token=, or a
//                       form body's token=), 401 when none, 403 when a wrong or expired one
//   GET  /progress      the progress page: charts of the practice history (both pages; on the
//                       class dashboard /progress?device=ID is one student's)
//   GET  /api/history, /api/progress, /report/<session>, /api/students: see the hooks
// The class dashboard (LivePage::kClassDashboard) serves its own page instead of the viewer, no
// video endpoints, and:
//   GET  /api/devices   hooks.devices_json(): every device of the class (class_roster.h)
//   POST /api/command   {"device": "id" | "*", "command": {...}} -> hooks.on_command
//   GET  /ws            one message per roster change, as publish_result() hands them over
//
// The result JSON the viewer page reads (frame_result_json makes it; every field may be absent):
//   {"frame": 42, "capture_ms": 1700000000000, "decision": "tree" | "take_your_pose",
//    "label": "Tree 87 %", "top": [{"label": "tree", "prob": 0.87}, ...], "score": 78 | null,
//    "corrections": [{"text": "Straighten your left knee: 148° → 175°", "cue": "...",
//                     "joint": "left_knee", "measured_deg": 148, "target_deg": 175}],
//    "hold_s": 3.2, "fps": 29.8, "target": "tree", "message": "...",
//    "exercise": {"id": "squat", "name": "Squat", "reps": 7, "target_reps": 10, "set": 2, ...}}
// (a bare "label" plus "prob", and corrections as plain strings, are understood too)
// and /api/status's "poses": [{"id": "tree", "name": "Tree"}, ...] or ["tree", ...], "target",
// "exercises": [{"id": "squat", "name": "Squat"}, ...], "target_exercise", "target_reps", and
// "person" (the person coached: an id, 0 = automatic, or "all").
// With several people the result also has "people": [{"id", "colour": "#e69f00", "label",
// "exercise", "guidance", ...}] and "primary_id" (frame_result.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/status.h"

namespace posecast {

// Which page the server is for: a device's live viewer or the instructor's class dashboard.
enum class LivePage { kViewer, kClassDashboard };

struct LiveServerOptions {
  LivePage page = LivePage::kViewer;
  std::string host = "127.0.0.1";     // an IP address; "0.0.0.0" or "::" to serve the network
  uint16_t port = 8080;               // 0: any free port (LiveServer::port() tells which)
  size_t max_body_bytes = 64 * 1024;  // larger request bodies are answered 413
  int threads = 1;                    // io threads of the server's own (1-4)
  // Every request needs this token (access_control.h: ?token=, then a cookie, or Bearer); empty:
  // none needed (--no-auth, loopback only). Cross-origin POSTs and WebSockets are refused anyway.
  std::string access_token;
  // Whose short-lived viewer links (access_token.h's sign_viewer_credential, made with
  // access_token) are valid besides the token: the device id the class dashboard knows.
  std::string viewer_link_device;
  int max_connections = 256;  // more are answered 503 and closed
  // A viewer whose socket has not taken a frame for this long is disconnected.
  std::chrono::milliseconds stalled_viewer_timeout{10'000};
  // A request (and a TLS handshake) must arrive within this; an idle keep-alive connection is
  // closed after it, so slow or silent clients cannot hold connections.
  std::chrono::milliseconds request_timeout{30'000};
  // PEM files (--tls-cert/--tls-key): when set, everything is served over TLS only (https://,
  // wss://), the access cookie is Secure, and a plain-HTTP request gets a 400 naming https.
  std::string tls_cert_file;  // the certificate, then any intermediate certificates
  std::string tls_key_file;   // its private key, unencrypted
};

// "HOST:PORT", ":PORT", "PORT" or "[V6]:PORT" (the --http option) into `base`'s host and port.
// Errors name the text: "bad --http address 'x:y': port must be 0-65535".
Result<LiveServerOptions> parse_http_address(std::string_view host_port,
                                             LiveServerOptions base = {});

// One /rtc WebSocket connection's other end (WebRTC signalling, webrtc_peer.h). on_message gets
// each text message from the browser, on_close is called once when the connection ends (either
// side, or stop()); both on the server's io threads, so they must be quick.
class SignalingSession {
 public:
  virtual ~SignalingSession() = default;
  virtual void on_message(std::string text) = 0;
  virtual void on_close() = 0;
};

// What a practice page asks for: ?device=ID (the class dashboard's student; "" on a device's own
// viewer) and, for /report/<session>, the session.
struct PracticeQuery {
  std::string device;
  int64_t session = 0;
};

// How the server asks the pipeline. Called on the server's io threads, so they must be
// thread-safe, quick and must not call stop(); unset hooks are fine (status/metrics add nothing,
// POSTs answer 501). An exception thrown by a hook becomes a 500 answer naming it, never a crash.
struct LiveServerHooks {
  std::function<nlohmann::json()> status_json;  // an object; its fields go into /api/status
  std::function<std::string()> metrics_text;    // Prometheus lines appended to /metrics
  // The parsed JSON object of the POST body; an Error is answered 422 with its message.
  std::function<Status(const nlohmann::json&)> on_target;
  std::function<Status(const nlohmann::json&)> on_message;
  std::function<Status(const nlohmann::json&)> on_person;
  // The practice pages (docs/progress.md), on the viewer the device's own history, on the class
  // dashboard one student's (PracticeQuery::device). Unset: 404. An Error is answered 500.
  //   GET /api/history             history_json (practice_history.h); ?format=csv: history_csv
  //   GET /api/progress            progress_json (practice_progress.h), for GET /progress
  //   GET /report/<session>        report_html: the session's report page; nullopt: 404
  //   GET /api/students            students_json (class dashboard): {"students": ["id", ...]}
  std::function<Result<nlohmann::json>(const PracticeQuery&)> history_json;
  std::function<Result<std::string>(const PracticeQuery&)> history_csv;
  std::function<Result<nlohmann::json>(const PracticeQuery&)> progress_json;
  std::function<Result<std::optional<std::string>>(const PracticeQuery&)> report_html;
  std::function<Result<nlohmann::json>()> students_json;
  // The class dashboard: GET /api/devices, and POST /api/command's parsed body (its answer's
  // JSON on success, e.g. {"sent_to": [...]}; an Error is answered 422).
  std::function<nlohmann::json()> devices_json;
  std::function<Result<nlohmann::json>(const nlohmann::json&)> on_command;
  // GET /rtc (viewer page only; unset: 404): a session per WebSocket. `send` queues a text
  // message for the browser (in order, from any thread, a no-op once the connection is gone; a
  // browser more than 256 messages behind is disconnected). nullptr refuses the connection.
  std::function<std::shared_ptr<SignalingSession>(std::function<void(std::string)> send)>
      open_signaling;
};

struct ServerStats {
  int mjpeg_viewers = 0;
  int ws_clients = 0;
  int64_t frames_published = 0;   // publish_frame calls
  int64_t frames_sent = 0;        // MJPEG parts written, summed over viewers
  int64_t frames_skipped = 0;     // frames a viewer never got because a newer one replaced it
  int64_t results_published = 0;  // publish_result calls
  int64_t results_sent = 0;       // WebSocket messages written, summed over clients
  int64_t http_requests = 0;      // requests answered (every endpoint, errors included)
  int viewers() const { return mjpeg_viewers + ws_clients; }
};

class LiveServer {
 public:
  using Jpeg = std::shared_ptr<const std::vector<uint8_t>>;

  // Binds and starts serving; errors name the address ("cannot listen on 127.0.0.1:8080: ...")
  // or the TLS file ("--tls-key key.pem does not match the certificate in --tls-cert cert.pem").
  static Result<std::unique_ptr<LiveServer>> start(LiveServerOptions options,
                                                   LiveServerHooks hooks = {});
  ~LiveServer();  // stop()s
  LiveServer(const LiveServer&) = delete;
  LiveServer& operator=(const LiveServer&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:8080/" ("https://" with TLS; loopback when bound to any address).
  std::string url() const;
  std::string access_url() const;  // url() plus "?token=..." when a token is needed

  // Both return at once whatever the viewers do; safe from any thread.
  void publish_frame(Jpeg jpeg, int64_t frame, int64_t capture_unix_ms);
  void publish_result(std::string json_line);

  ServerStats stats() const;

  // Closes every connection and joins the io threads; idempotent.
  void stop();

  class Impl;

 private:
  explicit LiveServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace posecast
