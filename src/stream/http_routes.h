// The live server's plain HTTP endpoints as a function from request to response: no sockets and no
// Beast here, so every answer (status, content type, body) is decided in one readable place.
// /stream.mjpg, /ws and /rtc are long-lived connections; http_session.cpp hands them over before
// routing (request_checks.h decides).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "posecast/live_server.h"
#include "viewer_assets.h"

namespace posecast::stream {

// One published frame, shared by every viewer; the multipart part header is formatted once too.
struct SharedFrame {
  LiveServer::Jpeg jpeg;
  int64_t number = 0;
  int64_t capture_unix_ms = 0;
  uint64_t sequence = 0;    // 1, 2, ... in publish order (frame numbers are the pipeline's)
  std::string part_header;  // "--boundary\r\nContent-Type: image/jpeg\r\n...\r\n\r\n"
};
using FramePtr = std::shared_ptr<const SharedFrame>;

inline constexpr std::string_view kMjpegBoundary = "posecastframe";
std::shared_ptr<SharedFrame> make_shared_frame(LiveServer::Jpeg jpeg, int64_t number,
                                               int64_t capture_unix_ms);

struct HttpRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // "/api/status?x=1"
  std::string_view body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type/-Length
};

// "/api/status?x=1" -> "/api/status".
std::string_view request_path(std::string_view target);
// The practice paths HttpRoutes::practice answers: /api/history, /api/progress, /api/students,
// /report/<anything> (a bad session number is its 404).
bool is_practice_path(std::string_view path);

class HttpRoutes {
 public:
  HttpRoutes(LivePage page, const LiveServerHooks& hooks, size_t max_body_bytes,
             std::function<ServerStats()> stats, std::function<FramePtr()> latest_frame);

  // Every answer, errors included; never throws (a throwing hook becomes a 500).
  HttpResponse handle(const HttpRequest& request) const;

  // The error answers the connection layer makes before a request is complete.
  static HttpResponse bad_request(std::string_view problem);
  // 405 with Allow, as HTTP asks: `allow` is "GET, HEAD", "POST", ...
  static HttpResponse method_not_allowed(std::string_view path, std::string_view method,
                                         std::string_view allow);
  HttpResponse body_too_large() const;

 private:
  HttpResponse status_json() const;
  HttpResponse metrics() const;
  HttpResponse snapshot() const;
  HttpResponse post_json(std::string_view path, std::string_view body,
                         const std::function<Status(const nlohmann::json&)>& hook) const;
  HttpResponse post_command(std::string_view body) const;
  // The practice pages' answers (practice_routes.cpp): history, progress, reports, students.
  HttpResponse practice(std::string_view path, std::string_view target) const;
  // The embedded file served at `path` ("/" is index.html), or nullptr.
  const EmbeddedAsset* find_asset(std::string_view path) const;

  LivePage page_;
  const LiveServerHooks& hooks_;
  size_t max_body_bytes_;
  std::function<ServerStats()> stats_;
  std::function<FramePtr()> latest_frame_;
};

}  // namespace posecast::stream
