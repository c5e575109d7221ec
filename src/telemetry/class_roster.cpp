#include "posecast/class_roster.h"

#include <algorithm>

namespace posecast {

using nlohmann::json;

namespace {

// The result fields a dashboard tile shows; everything else a device sends stays out of the page.
constexpr const char* kTileResultFields[] = {
    "frame",  "ts",      "decision", "top",    "score",   "hold_s",     "corrections",
    "target", "message", "fps",      "person", "variant", "source_lost"};

// Of a result's rep exercise: the count and what the tile says about it.
constexpr const char* kTileExerciseFields[] = {
    "id", "name", "reps", "total_reps", "set", "phase", "rest_s", "target_reps", "partial_reps"};

json tile_exercise(const json& exercise) {
  json tile = json::object();
  for (const char* field : kTileExerciseFields)
    if (exercise.contains(field)) tile[field] = exercise[field];
  const auto last = exercise.find("last_rep");
  if (last != exercise.end() && last->is_object())
    for (const char* field : {"score", "cue"})
      if (last->contains(field)) tile["last_rep"][field] = (*last)[field];
  return tile;
}

double seconds_between(int64_t earlier_ms, int64_t now_ms) {
  return std::max<int64_t>(0, now_ms - earlier_ms) / 1000.0;
}

}  // namespace

bool valid_device_id(std::string_view id) {
  return !id.empty() && id.size() <= 64 && id.find_first_of("/+#") == std::string_view::npos;
}

Result<ClassTopic> parse_class_topic(std::string_view prefix, std::string_view topic) {
  const std::string where(topic);
  if (!topic.starts_with(std::string(prefix) + "/"))
    return Error(where + ": not under '" + std::string(prefix) + "/'");
  const std::string_view rest = topic.substr(prefix.size() + 1);
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Error(where + ": expected <prefix>/<device>/<leaf>");
  ClassTopic parsed{std::string(rest.substr(0, slash)), std::string(rest.substr(slash + 1))};
  if (!valid_device_id(parsed.device))
    return Error(where + ": bad device id '" + parsed.device + "'");
  if (parsed.leaf != "status" && parsed.leaf != "results" && parsed.leaf != "errors" &&
      parsed.leaf != "viewer")
    return Error(where + ": not a class topic (status, results, errors or viewer)");
  return parsed;
}

ClassRoster::ClassRoster(std::string prefix, std::chrono::milliseconds stale_after)
    : prefix_(std::move(prefix)), stale_after_(stale_after) {}

Status ClassRoster::apply(std::string_view topic, std::string_view payload, int64_t now_ms) {
  const std::string where(topic);
  Result<ClassTopic> parsed = parse_class_topic(prefix_, topic);
  if (!parsed) return parsed.error();
  const std::string& device = parsed->device;
  const std::string& leaf = parsed->leaf;

  std::lock_guard lock(mutex_);
  // An empty retained status is how a device is removed from the broker for good.
  if (payload.empty()) {
    if (leaf != "status") return Error(where + ": empty message");
    if (devices_.erase(device)) ++version_;
    return Status::Ok();
  }
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error(where + ": not valid JSON");
  if (!j.is_object()) return Error(where + ": not a JSON object");

  RosterDevice next = devices_.count(device) ? devices_.at(device) : RosterDevice{};
  next.id = device;
  auto text = [&](const char* field) {
    return j.contains(field) && j[field].is_string() ? j[field].get<std::string>() : std::string();
  };
  if (leaf == "status") {
    const std::string state = text("state");
    if (state != "online" && state != "offline")
      return Error(where + ": field 'state' must be \"online\" or \"offline\"");
    next.state = state;
    next.reason = text("reason");
    next.status_ms = now_ms;
    // An offline status (a last will) carries no URL; keep the last address known for the
    // tile, but no link into a viewer that is gone (a restarted device may have a new token).
    if (state == "online") {
      next.stream_url = text("stream_url");
      next.model = text("model");
      next.host = text("host");
    } else {
      next.viewer_url.clear();
      next.viewer_expires_ms = next.viewer_requested_ms = 0;
    }
  } else if (leaf == "viewer") {
    if (!j.contains("expires_ms") || !j["expires_ms"].is_number_integer() || text("url").empty())
      return Error(where + ": needs \"url\" and \"expires_ms\"");
    next.viewer_url = text("url");
    next.viewer_expires_ms = j["expires_ms"].get<int64_t>();
    next.viewer_received_ms = now_ms;
  } else if (leaf == "results") {
    if (!j.contains("decision") || !j["decision"].is_string())
      return Error(where + ": field 'decision' must be a string");
    json tile = json::object();
    for (const char* field : kTileResultFields)
      if (j.contains(field)) tile[field] = j[field];
    if (j.contains("exercise") && j["exercise"].is_object())
      tile["exercise"] = tile_exercise(j["exercise"]);
    next.result = std::move(tile);
    next.result_ms = now_ms;
    ++next.results_received;
    // The state is the status topic's alone: a result delayed past a clean stop must not bring
    // a device back online.
  } else {
    json error = {{"kind", text("kind")}, {"message", text("message")}};
    if (j.contains("ts") && j["ts"].is_number_integer()) error["ts"] = j["ts"];
    next.error = std::move(error);
    next.error_ms = now_ms;
  }
  next.version = ++version_;
  devices_[device] = std::move(next);
  return Status::Ok();
}

json ClassRoster::device_json(const RosterDevice& d, int64_t now_ms) const {
  json j = {{"id", d.id},        {"state", d.state}, {"stream_url", d.stream_url},
            {"model", d.model},  {"host", d.host},   {"results_received", d.results_received},
            {"result", d.result}};
  if (!d.reason.empty()) j["reason"] = d.reason;
  if (!d.viewer_url.empty() && d.viewer_expires_ms > now_ms) {
    j["viewer_url"] = d.viewer_url;
    j["viewer_expires_ms"] = d.viewer_expires_ms;
  }
  if (d.result_ms) j["result_age_s"] = seconds_between(d.result_ms, now_ms);
  j["stale"] =
      d.state != "offline" && (d.result_ms == 0 || now_ms - d.result_ms > stale_after_.count());
  if (!d.error.is_null()) {
    j["error"] = d.error;
    j["error_age_s"] = seconds_between(d.error_ms, now_ms);
  }
  return j;
}

json ClassRoster::devices_json(int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  json list = json::array();
  for (const auto& [id, d] : devices_) list.push_back(device_json(d, now_ms));
  return {{"version", version_}, {"ts", now_ms}, {"devices", std::move(list)}};
}

uint64_t ClassRoster::version() const {
  std::lock_guard lock(mutex_);
  return version_;
}

Result<std::vector<std::string>> ClassRoster::command_targets(std::string_view device) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> targets;
  if (device == "*") {
    for (const auto& [id, d] : devices_)
      if (d.state != "offline") targets.push_back(id);
    if (targets.empty()) return Error("no device of the class is online");
    return targets;
  }
  if (!valid_device_id(device))
    return Error("bad device id '" + std::string(device) +
                 "': 1-64 characters, no '/', '+' or '#'");
  targets.emplace_back(device);
  return targets;
}

std::vector<std::string> ClassRoster::viewer_links_due(int64_t now_ms) {
  constexpr int64_t kAskAgainMs = 10'000;
  std::lock_guard lock(mutex_);
  std::vector<std::string> due;
  for (auto& [id, d] : devices_) {
    const bool asked_lately =
        d.viewer_requested_ms != 0 && now_ms - d.viewer_requested_ms < kAskAgainMs;
    if (d.state != "online" || asked_lately) continue;
    const int64_t half_life =
        d.viewer_received_ms + (d.viewer_expires_ms - d.viewer_received_ms) / 2;
    if (!d.viewer_url.empty() && now_ms < half_life) continue;
    d.viewer_requested_ms = now_ms;
    due.push_back(id);
  }
  return due;
}

std::vector<RosterDevice> ClassRoster::devices() const {
  std::lock_guard lock(mutex_);
  std::vector<RosterDevice> list;
  for (const auto& [id, d] : devices_) list.push_back(d);
  return list;
}

}  // namespace posecast
