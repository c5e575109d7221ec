#include "live_setup.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

#include "posecast/access_token.h"
#include "posecast/pose_model_choice.h"

namespace posecast::cli {

Result<cv::Size> parse_frame_size(const std::string& text) {
  if (text.empty()) return cv::Size();
  static const std::pair<const char*, cv::Size> named[] = {
      {"240p", {426, 240}}, {"360p", {640, 360}},  {"480p", {640, 480}},
      {"vga", {640, 480}},  {"720p", {1280, 720}}, {"1080p", {1920, 1080}}};
  for (const auto& [name, size] : named)
    if (text == name) return size;
  int w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &w, &x, &h, &extra) == 3 && (x == 'x' || x == 'X') &&
      w >= 32 && h >= 32 && w <= 7680 && h <= 4320)
    return cv::Size(w, h);
  return Error("bad --size '" + text +
               "': use WIDTHxHEIGHT (e.g. 640x480) or 240p/360p/480p/720p/1080p");
}

namespace {

// This machine's first IPv4 address on an interface that is up and not loopback, or "".
std::string lan_ipv4_address() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* i = list; i && found.empty(); i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK)) continue;
    char text[INET_ADDRSTRLEN] = {};
    const auto* address = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
    if (::inet_ntop(AF_INET, &address->sin_addr, text, sizeof text)) found = text;
  }
  ::freeifaddrs(list);
  return found;
}

}  // namespace

void add_server_tls_options(CLI::App& cmd, LiveServerOptions& options) {
  cmd.add_option("--tls-cert", options.tls_cert_file,
                 "Serve over HTTPS with this certificate (PEM, then any intermediates)");
  cmd.add_option("--tls-key", options.tls_key_file, "Private key (PEM, unencrypted) of --tls-cert");
}

Status apply_access_options(LiveServerOptions& options, bool no_auth,
                            const std::string& token_file) {
  if (no_auth) {
    const bool loopback = options.host.starts_with("127.") || options.host == "::1";
    if (!loopback)
      return Error("--no-auth is allowed only on a loopback --http address (127.0.0.1:PORT), not " +
                   options.host + ": anybody on the network would see the video");
    options.access_token.clear();
    return Status::Ok();
  }
  auto token = load_or_create_access_token(token_file.empty() ? default_access_token_path()
                                                              : std::filesystem::path(token_file));
  if (!token) return token.error();
  options.access_token = token.value();
  return Status::Ok();
}

std::string announced_viewer_url(const LiveServerOptions& options, const LiveServer& server,
                                 const std::string& public_url) {
  if (!public_url.empty()) return public_url.ends_with('/') ? public_url : public_url + "/";
  if (options.host != "0.0.0.0" && options.host != "::") return server.url();
  const std::string lan = lan_ipv4_address();
  if (lan.empty()) return server.url();
  const std::string scheme = server.url().substr(0, server.url().find("://"));
  return scheme + "://" + lan + ":" + std::to_string(server.port()) + "/";
}

Status apply_target(Pipeline& pipeline, const InstructorCommand& target) {
  if (target.kind == InstructorCommand::Kind::kExerciseTarget)
    return pipeline.set_exercise({target.value, target.reps});
  return pipeline.set_target(target.value);
}

Status apply_person(Pipeline& pipeline, const InstructorCommand& person) {
  return pipeline.set_person(person.person, person.everyone);
}

// Frames in flight with --frames-in-flight 0: Lightning takes ~10 ms a frame, so one keeps up
// with a 30 fps camera; Thunder needs two (measured on 2 cores: 23.5 fps with one, 30 with two).
// No more by default: each holds its own copy of the model (Lightning +15 MB, Thunder +75 MB),
// and more copies at once slow each other down through the shared caches.
constexpr int kDefaultThunderInFlight = 2;

void add_pose_model_options(CLI::App& cmd, PoseModelArgs& args) {
  cmd.add_option("--pose-model", args.pose_model,
                 "MoveNet variant: lightning, thunder (slower, more accurate) or auto (thunder "
                 "when this machine keeps up with the camera, measured at start)")
      ->check(CLI::IsMember({"lightning", "thunder", "auto"}))
      ->capture_default_str();
  cmd.add_option("--frames-in-flight", args.frames_in_flight,
                 "Frames whose pose is estimated at once, each on its own core with its own "
                 "copy of the model (0: 1 for lightning, 2 for thunder when there are 2 cores)")
      ->check(CLI::Range(0, kMaxFramesInFlight))
      ->capture_default_str();
}

Status apply_pose_model(const PoseModelArgs& args, PipelineOptions& pipeline) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int thunder_lanes =
      args.frames_in_flight > 0 ? args.frames_in_flight : std::min(cores, kDefaultThunderInFlight);
  if (args.pose_model == "auto") {
    const double camera_fps = pipeline.capture.fps > 0 ? pipeline.capture.fps : 30;
    const int lanes = pipeline.people == 1 ? thunder_lanes : 1;
    auto choice = measure_and_choose_pose_model(pipeline.movenet, camera_fps, lanes);
    if (!choice) return choice.error();
    pipeline.movenet.variant = choice->variant;
    pipeline.pose_model_note = "auto: " + choice->reason;
    std::cerr << "posecast: --pose-model " << pipeline.pose_model_note << "\n";
  } else {
    auto variant = variant_from_name(args.pose_model);
    if (!variant)
      return Error("bad --pose-model '" + args.pose_model + "': use lightning, thunder or auto");
    pipeline.movenet.variant = *variant;
  }
  const bool thunder = pipeline.movenet.variant == MoveNetVariant::kThunder;
  pipeline.frames_in_flight =
      args.frames_in_flight > 0 ? args.frames_in_flight : (thunder ? thunder_lanes : 1);
  return Status::Ok();
}

LiveServerHooks pipeline_hooks(Pipeline& pipeline) {
  Pipeline* p = &pipeline;
  LiveServerHooks hooks;
  hooks.status_json = [p] { return p->status(); };
  hooks.metrics_text = [p] { return p->metrics(); };
  hooks.on_target = [p](const nlohmann::json& body) -> Status {
    // The body is an instructor's target command without "command"; null (or "") clears the
    // target: the viewer's "Any pose" choice.
    if (!body.contains("pose") && !body.contains("exercise"))
      return Error(
          "body needs a field 'pose' (a pose id such as \"tree\", or null for any pose) or "
          "'exercise' (an exercise id such as \"squat\", with \"reps\" a set if wanted)");
    nlohmann::json command = body;
    for (const char* field : {"pose", "exercise"})
      if (command.contains(field) && command[field].is_null()) command[field] = "";
    command["command"] = "target";
    Result<InstructorCommand> target = parse_instructor_command(command.dump());
    if (!target) return Error("body: " + target.error().message());
    return apply_target(*p, target.value());
  };
  hooks.on_person = [p](const nlohmann::json& body) -> Status {
    Result<InstructorCommand> person = parse_instructor_command("person", body);
    if (!person) return Error("body: " + person.error().message());
    return apply_person(*p, person.value());
  };
  hooks.on_message = [p](const nlohmann::json& body) -> Status {
    const auto text = body.find("text");
    if (text == body.end() || !text->is_string()) return Error("body needs a string field 'text'");
    const std::string& message = text->get_ref<const std::string&>();
    if (message.size() > 200) return Error("message is longer than 200 characters");
    p->set_message(message);
    return Status::Ok();
  };
  return hooks;
}

void publish_to_server(Pipeline& pipeline, LiveServer& server) {
  LiveServer* s = &server;
  pipeline.add_frame_sink(
      [s](const FrameResult& r, std::shared_ptr<const std::vector<uint8_t>> jpeg) {
        s->publish_frame(std::move(jpeg), r.frame, r.capture_unix_ms);
        s->publish_result(frame_result_json(r).dump());
      });
}

}  // namespace posecast::cli
