#include "http_routes.h"

#include <exception>
#include <nlohmann/json.hpp>

#include "posecast/prometheus.h"
#include "viewer_assets.h"

namespace posecast::stream {
namespace {

using nlohmann::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";

HttpResponse json_answer(int status, const json& body) {
  // Messages quote the request (its path, method, JSON errors), which may be any bytes: invalid
  // UTF-8 becomes U+FFFD instead of dump() throwing out of handle() (found by fuzzing).
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return {status, std::string(kJson), text + "\n", {}};
}

HttpResponse error_answer(int status, std::string_view message) {
  return json_answer(status, json{{"error", message}});
}

std::string_view content_type_of(std::string_view name) {
  const auto ends_with = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends_with(".html")) return "text/html; charset=utf-8";
  if (ends_with(".js") || ends_with(".mjs")) return "text/javascript; charset=utf-8";
  if (ends_with(".css")) return "text/css; charset=utf-8";
  if (ends_with(".svg")) return "image/svg+xml";
  if (ends_with(".png")) return "image/png";
  if (ends_with(".ico")) return "image/x-icon";
  return "application/octet-stream";
}

// nlohmann's what() starts with "[json.exception.parse_error.101] "; users need only the rest.
std::string without_exception_tag(const std::string& what) {
  const size_t end = what.rfind("] ", what.find(' '));
  return what.starts_with("[json.exception.") && end != std::string::npos ? what.substr(end + 2)
                                                                          : what;
}

// The body as a JSON object, or why not (answered 400).
Result<json> parse_json_object(std::string_view path, std::string_view body) {
  if (body.empty())
    return Error("empty request body: POST " + std::string(path) + " expects a JSON object");
  json parsed;
  try {
    parsed = json::parse(body);
  } catch (const json::exception& e) {
    return Error("malformed JSON in request body: " + without_exception_tag(e.what()));
  }
  if (!parsed.is_object())
    return Error("request body must be a JSON object, not " + std::string(parsed.type_name()));
  return parsed;
}

}  // namespace

std::shared_ptr<SharedFrame> make_shared_frame(LiveServer::Jpeg jpeg, int64_t number,
                                               int64_t capture_unix_ms) {
  auto frame = std::make_shared<SharedFrame>();
  frame->number = number;
  frame->capture_unix_ms = capture_unix_ms;
  frame->part_header =
      "--" + std::string(kMjpegBoundary) +
      "\r\nContent-Type: image/jpeg\r\nContent-Length: " + std::to_string(jpeg ? jpeg->size() : 0) +
      "\r\nX-Frame: " + std::to_string(number) +
      "\r\nX-Capture-Time: " + std::to_string(capture_unix_ms) + "\r\n\r\n";
  frame->jpeg = std::move(jpeg);
  return frame;
}

std::string_view request_path(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

HttpRoutes::HttpRoutes(LivePage page, const LiveServerHooks& hooks, size_t max_body_bytes,
                       std::function<ServerStats()> stats, std::function<FramePtr()> latest_frame)
    : page_(page),
      hooks_(hooks),
      max_body_bytes_(max_body_bytes),
      stats_(std::move(stats)),
      latest_frame_(std::move(latest_frame)) {}

const EmbeddedAsset* HttpRoutes::find_asset(std::string_view path) const {
  if (path == "/") path = "/index.html";
  if (path == "/progress") path = "/progress.html";
  for (const EmbeddedAsset& asset : page_ == LivePage::kViewer ? viewer_assets() : class_assets())
    if (path.size() == asset.name.size() + 1 && path.substr(1) == asset.name) return &asset;
  return nullptr;
}

HttpResponse HttpRoutes::bad_request(std::string_view problem) {
  return error_answer(400, "bad request: " + std::string(problem));
}

HttpResponse HttpRoutes::method_not_allowed(std::string_view path, std::string_view method,
                                            std::string_view allow) {
  HttpResponse answer =
      error_answer(405, "method " + std::string(method) + " not allowed on " + std::string(path) +
                            " (allowed: " + std::string(allow) + ")");
  answer.headers.emplace_back("Allow", allow);
  return answer;
}

HttpResponse HttpRoutes::body_too_large() const {
  return error_answer(
      413, "request body too large: the limit is " + std::to_string(max_body_bytes_) + " bytes");
}

HttpResponse HttpRoutes::handle(const HttpRequest& request) const {
  if (!request.target.starts_with('/'))
    return bad_request("the request target must be a path starting with '/'");
  const std::string_view path = request_path(request.target);
  const std::string_view method = request.method;
  const bool get = method == "GET" || method == "HEAD";  // HEAD: the caller drops the body

  // Every path with the methods it allows; anything else is 404, a known path with another
  // method 405 (with Allow, as HTTP asks).
  // The class dashboard has no video and no pipeline of its own.
  const bool viewer = page_ == LivePage::kViewer;
  std::string_view allow;
  if (find_asset(path) || path == "/api/status" || path == "/metrics" || path == "/ws" ||
      is_practice_path(path) || (viewer && (path == "/stream.mjpg" || path == "/snapshot.jpg")) ||
      (viewer && path == "/rtc" && hooks_.open_signaling) || (!viewer && path == "/api/devices")) {
    allow = "GET, HEAD";
  } else if ((viewer &&
              (path == "/api/target" || path == "/api/message" || path == "/api/person")) ||
             (!viewer && path == "/api/command")) {
    allow = "POST";
  } else {
    return error_answer(404, "not found: " + std::string(path));
  }
  if (allow == "POST" ? method != "POST" : !get) return method_not_allowed(path, method, allow);

  try {
    if (const EmbeddedAsset* asset = find_asset(path)) {
      return {200,
              std::string(content_type_of(asset->name)),
              std::string(asset->data),
              {{"Cache-Control", "no-cache"}}};
    }
    if (path == "/snapshot.jpg") return snapshot();
    if (path == "/api/status") return status_json();
    if (is_practice_path(path)) return practice(path, request.target);
    if (path == "/metrics") return metrics();
    if (path == "/api/devices") {
      if (!hooks_.devices_json) return error_answer(501, "GET /api/devices: no class roster");
      return {
          200, std::string(kJson), hooks_.devices_json().dump(), {{"Cache-Control", "no-store"}}};
    }
    if (path == "/api/command") return post_command(request.body);
    if (path == "/api/target") return post_json(path, request.body, hooks_.on_target);
    if (path == "/api/message") return post_json(path, request.body, hooks_.on_message);
    if (path == "/api/person") return post_json(path, request.body, hooks_.on_person);
    if (path == "/ws" || path == "/rtc")
      return error_answer(426, std::string(path) + " is a WebSocket: send an Upgrade request");
    // /stream.mjpg: the connection layer streams GETs; a HEAD only learns the type.
    return {200, "multipart/x-mixed-replace; boundary=" + std::string(kMjpegBoundary), "", {}};
  } catch (const std::exception& e) {
    return error_answer(500, "internal error answering " + std::string(path) + ": " + e.what());
  } catch (...) {
    return error_answer(500, "internal error answering " + std::string(path));
  }
}

HttpResponse HttpRoutes::snapshot() const {
  const FramePtr frame = latest_frame_();
  if (!frame || !frame->jpeg) {
    HttpResponse answer{503,
                        std::string(kText),
                        "no frame yet: the pipeline has not published a frame\n",
                        {{"Retry-After", "1"}}};
    return answer;
  }
  return {200,
          "image/jpeg",
          std::string(frame->jpeg->begin(), frame->jpeg->end()),
          {{"Cache-Control", "no-store"},
           {"X-Frame", std::to_string(frame->number)},
           {"X-Capture-Time", std::to_string(frame->capture_unix_ms)}}};
}

HttpResponse HttpRoutes::status_json() const {
  json status = json::object();
  if (hooks_.status_json) {
    json pipeline = hooks_.status_json();
    if (pipeline.is_object())
      status = std::move(pipeline);
    else if (!pipeline.is_null())
      status["pipeline"] = std::move(pipeline);
  }
  const ServerStats stats = stats_();
  const FramePtr frame = latest_frame_();
  status["viewers"] = stats.viewers();
  status["mjpeg_viewers"] = stats.mjpeg_viewers;
  status["ws_clients"] = stats.ws_clients;
  status["frames_published"] = stats.frames_published;
  status["frames_sent"] = stats.frames_sent;
  status["frames_skipped"] = stats.frames_skipped;
  status["results_published"] = stats.results_published;
  status["latest_frame"] = frame ? json(frame->number) : json(nullptr);
  // The viewer page tries WebRTC (GET /rtc) only when this says it may.
  if (page_ == LivePage::kViewer)
    status["webrtc_signaling"] = static_cast<bool>(hooks_.open_signaling);
  return json_answer(200, status);
}

HttpResponse HttpRoutes::metrics() const {
  const ServerStats stats = stats_();
  PrometheusText m;
  m.family("posecast_stream_viewers", PrometheusText::kGauge, "Connected viewers by kind.");
  m.sample("posecast_stream_viewers", {{"kind", "mjpeg"}}, stats.mjpeg_viewers);
  m.sample("posecast_stream_viewers", {{"kind", "websocket"}}, stats.ws_clients);
  const struct {
    std::string_view name;
    int64_t value;
    std::string_view help;
  } counters[] = {
      {"frames_published", stats.frames_published, "Frames the pipeline handed to the server."},
      {"frames_sent", stats.frames_sent, "MJPEG parts written, summed over viewers."},
      {"frames_skipped", stats.frames_skipped,
       "Frames a viewer never got because a newer frame replaced it."},
      {"results_published", stats.results_published, "Results the pipeline handed to the server."},
      {"results_sent", stats.results_sent, "WebSocket messages written, summed over clients."},
      {"http_requests", stats.http_requests, "HTTP requests answered."},
  };
  for (const auto& c : counters)
    m.counter("posecast_stream_" + std::string(c.name) + "_total", c.help, c.value);
  std::string text = m.str();
  if (hooks_.metrics_text) {
    std::string pipeline = hooks_.metrics_text();
    if (!pipeline.empty() && pipeline.back() != '\n') pipeline += '\n';
    text += pipeline;
  }
  return {200, "text/plain; version=0.0.4; charset=utf-8", std::move(text), {}};
}

HttpResponse HttpRoutes::post_json(std::string_view path, std::string_view body,
                                   const std::function<Status(const nlohmann::json&)>& hook) const {
  Result<json> parsed = parse_json_object(path, body);
  if (!parsed) return error_answer(400, parsed.error().message());
  if (!hook)
    return error_answer(501, "POST " + std::string(path) + " is not available: no pipeline");
  const Status status = hook(parsed.value());
  if (!status.ok()) return error_answer(422, status.error().message());
  return json_answer(200, json{{"ok", true}});
}

HttpResponse HttpRoutes::post_command(std::string_view body) const {
  Result<json> parsed = parse_json_object("/api/command", body);
  if (!parsed) return error_answer(400, parsed.error().message());
  const json& request = parsed.value();
  if (!request.contains("device") || !request["device"].is_string())
    return error_answer(400, "POST /api/command needs \"device\": a device id or \"*\" for all");
  if (!request.contains("command") || !request["command"].is_object())
    return error_answer(400,
                        "POST /api/command needs \"command\": an object such as "
                        "{\"command\": \"target\", \"pose\": \"tree\"}");
  if (!hooks_.on_command)
    return error_answer(501, "POST /api/command is not available: no MQTT link");
  Result<json> sent = hooks_.on_command(request);
  if (!sent) return error_answer(422, sent.error().message());
  json answer = sent.value();
  answer["ok"] = true;
  return json_answer(200, answer);
}

}  // namespace posecast::stream
