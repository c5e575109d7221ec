// posecast class: the instructor's dashboard. Every device of the class (discovered from MQTT
// status) as a tile with its live thumbnail, pose, score and hold time, and controls that send
// commands to one device or all. MQTT is read here, server-side; the page talks only to us.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "class_options.h"
#include "commands.h"
#include "config_setup.h"
#include "live_setup.h"
#include "posecast/class_results.h"
#include "posecast/class_roster.h"
#include "posecast/frame.h"
#include "posecast/live_server.h"
#include "posecast/pose_library.h"
#include "posecast/practice_store.h"
#include "posecast/prometheus.h"
#include "posecast/user_dirs.h"
#include "practice_pages.h"
#include "telemetry_setup.h"

namespace posecast::cli {

namespace {

std::atomic<bool> g_interrupted{false};
void on_signal(int) { g_interrupted = true; }

LiveServerHooks class_hooks(const ClassArgs& args, const PoseLibrary& library, ClassRoster& roster,
                            ClassLink& link) {
  nlohmann::json poses = nlohmann::json::array();
  for (const auto& p : library.poses) poses.push_back({{"id", p.id}, {"name", p.name}});
  LiveServerHooks hooks;
  hooks.status_json = [&args, poses, &roster, &link] {
    const ClassLinkStats s = link.stats();
    int online = 0;
    const auto devices = roster.devices();
    for (const auto& d : devices) online += d.state != "offline";
    return nlohmann::json{{"mode", "class"},
                          {"broker", args.link.url},
                          {"prefix", args.prefix},
                          {"connected", s.connected},
                          {"devices", devices.size()},
                          {"online", online},
                          {"messages", s.messages},
                          {"bad_messages", s.bad_messages},
                          {"commands_sent", s.commands_sent},
                          {"last_problem", s.last_problem},
                          {"poses", poses}};
  };
  hooks.metrics_text = [&roster, &link] {
    const ClassLinkStats s = link.stats();
    int online = 0, offline = 0;
    for (const auto& d : roster.devices()) ++(d.state == "offline" ? offline : online);
    PrometheusText m;
    m.family("posecast_class_devices", PrometheusText::kGauge, "Devices of the class by state.");
    m.sample("posecast_class_devices", {{"state", "online"}}, online);
    m.sample("posecast_class_devices", {{"state", "offline"}}, offline);
    m.counter("posecast_class_mqtt_messages_total", "MQTT messages received.", s.messages);
    m.counter("posecast_class_commands_sent_total", "Commands published to devices.",
              s.commands_sent);
    return m.str();
  };
  hooks.devices_json = [&roster] { return roster.devices_json(unix_ms_now()); };
  hooks.on_command = [&link](const nlohmann::json& request) -> Result<nlohmann::json> {
    auto sent = link.send_command(request["device"].get<std::string>(), request["command"]);
    if (!sent) return sent.error();
    return nlohmann::json{{"sent_to", sent.value()}};
  };
  return hooks;
}

// $XDG_DATA_HOME/posecast/class.sqlite, else ~/.local/share/posecast/class.sqlite.
std::filesystem::path default_class_db() { return user_data_dir() / "class.sqlite"; }

// Each student's practice, from the results the dashboard receives (class_results.h), on the
// per-student pages (/progress?device=ID, /api/students) and in /api/status "results".
void add_results_hooks(LiveServerHooks& hooks, ClassResults& results) {
  add_practice_hooks(hooks, [&results](const SessionQuery& q) { return results.sessions(q); });
  hooks.students_json = [&results]() -> Result<nlohmann::json> {
    auto students = results.students();
    if (!students) return students.error();
    return nlohmann::json{{"students", students.value()}};
  };
  hooks.status_json = [&results, status = std::move(hooks.status_json)] {
    nlohmann::json j = status ? status() : nlohmann::json::object();
    const ClassResultsStats s = results.stats();
    j["results"] = {{"holds", s.holds},         {"sets", s.sets},
                    {"pending", s.pending},     {"dropped", s.dropped},
                    {"reachable", s.reachable}, {"last_problem", s.last_problem}};
    return j;
  };
}

// Writes the class results to their store 5 times a second, on a thread of its own: a database
// server that is slow to answer holds up neither MQTT nor the page.
class ResultsWriter {
 public:
  explicit ResultsWriter(ClassResults& results)
      : thread_([&results](std::stop_token stop) {
          while (!stop.stop_requested()) {
            results.flush();
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
          }
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace

void add_class(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ClassArgs>();
  CLI::App* cmd = app.add_subcommand(
      "class", "Serve the class dashboard: every device's pose live, and commands to them");
  add_class_options(*cmd, *args);
  cmd->callback([args, cmd, &ctx] {
    auto fail = [&ctx](const std::string& message) {
      std::cerr << "posecast class: " << message << "\n";
      ctx.exit_code = 1;
    };
    if (auto config = apply_config_files(*cmd, "class", args->config_file); !config)
      return fail(config.error().message());
    if (args->link.url.empty())
      return fail("--mqtt is required (or url in the config file's [mqtt] section)");
    if (args->prefix.empty() || args->prefix.find_first_of("+#") != std::string::npos)
      return fail("--topic-prefix '" + args->prefix + "': must be non-empty, without '+' or '#'");
    auto server_options = parse_http_address(args->http, args->server);
    if (!server_options) return fail(server_options.error().message());
    server_options->page = LivePage::kClassDashboard;
    if (Status s = apply_access_options(server_options.value(), args->no_auth, args->token_file);
        !s.ok())
      return fail(s.error().message());
    auto library = load_pose_library(args->library.empty() ? default_pose_library_path()
                                                           : std::filesystem::path(args->library));
    if (!library) return fail(library.error().message());

    auto store = open_practice_store(args->db.empty() ? default_class_db().string() : args->db);
    if (!store) return fail("--db " + store.error().message());
    ClassResults results(std::move(store).value(), args->prefix);
    ResultsWriter writer(results);
    args->link.also = [&results](std::string_view topic, std::string_view payload, int64_t now) {
      results.apply(topic, payload, now);
    };

    ClassRoster roster(args->prefix,
                       std::chrono::milliseconds(static_cast<int64_t>(args->stale_after_s * 1000)));
    auto link = ClassLink::start(args->link, roster);
    if (!link) return fail(link.error().message());
    LiveServerHooks hooks = class_hooks(*args, library.value(), roster, *link.value());
    add_results_hooks(hooks, results);
    auto server = LiveServer::start(server_options.value(), std::move(hooks));
    if (!server) return fail(server.error().message());
    LiveServer& s = *server.value();

    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::cout << "posecast: class dashboard at " << s.access_url() << "  (broker " << args->link.url
              << ", topics " << args->prefix << "/+/...; Ctrl-C stops)" << std::endl;

    // The page gets the whole class at most 5 times a second when something changed, and once a
    // second anyway so ages and "no results" stay current. Whole snapshots, not deltas: a slow
    // browser that skips one loses nothing.
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    auto last_push = t0;
    uint64_t pushed_version = 0;
    while (!g_interrupted) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      const auto now = clock::now();
      if (args->seconds > 0 && now - t0 >= std::chrono::duration<double>(args->seconds)) break;
      const uint64_t version = roster.version();
      if (version != pushed_version || now - last_push >= std::chrono::seconds(1)) {
        s.publish_result(roster.devices_json(unix_ms_now()).dump());
        pushed_version = version;
        last_push = now;
      }
    }
    link.value()->stop();
    s.stop();
    results.stop(unix_ms_now());
    if (const ClassResultsStats r = results.stats(); r.pending > 0)
      std::cerr << "posecast class: " << r.pending << " results could not be written to the store ("
                << r.last_problem << ")\n";
  });
}

}  // namespace posecast::cli
