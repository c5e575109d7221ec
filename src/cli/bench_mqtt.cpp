// posecast bench mqtt: a class of simulated devices publishing results into one broker, and one
// subscriber (as a dashboard would) counting what arrives and how late.
#include <mqtt/async_client.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "bench.h"
#include "json_output.h"
#include "posecast/frame.h"
#include "posecast/mqtt_telemetry.h"

namespace posecast::cli {

namespace {

struct MqttBenchArgs {
  std::string url = "tcp://127.0.0.1:1883";
  int devices = 50;
  double rate_hz = 10;
  double seconds = 10;
  int qos = 1;
};

// What a device publishes per frame: a realistic result with a coach report.
FrameResult sample_result(int64_t frame) {
  FrameResult r;
  r.frame = frame;
  r.capture_unix_ms = unix_ms_now();
  r.person = true;
  r.classification.decision = "tree";
  r.classification.top = {
      {"tree", 0.87f}, {"mountain", 0.06f}, {"warrior2", 0.03f}, {"chair", 0.02f}};
  CoachReport coach;
  coach.score = 84;
  coach.corrections.push_back({"Straighten your left knee: 148° → 175°",
                               "Straighten your left knee", "left_knee", 148, 175});
  r.coach = coach;
  r.hold_s = 3.2f;
  r.fps = 30;
  return r;
}

class Collector : public mqtt::callback {
 public:
  void message_arrived(mqtt::const_message_ptr msg) override {
    const int64_t now = unix_ms_now();
    auto j = nlohmann::json::parse(msg->get_payload_str(), nullptr, false);
    if (j.is_discarded()) return;
    std::lock_guard lock(mutex_);
    if (!seen_.insert({j.value("device", ""), j.value("frame", int64_t{-1})}).second) {
      ++duplicates_;
      return;
    }
    latencies_.push_back(static_cast<double>(now - j.value("ts", now)));
  }
  size_t received() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  std::vector<double> latencies() {
    std::lock_guard lock(mutex_);
    return latencies_;
  }
  int64_t duplicates() {
    std::lock_guard lock(mutex_);
    return duplicates_;
  }

 private:
  std::mutex mutex_;
  std::set<std::pair<std::string, int64_t>> seen_;
  std::vector<double> latencies_;
  int64_t duplicates_ = 0;
};

// The dashboard's side: subscribed to every device's results under `prefix`.
Status subscribe(mqtt::async_client& subscriber, const MqttBenchArgs& args,
                 const std::string& prefix) {
  try {
    subscriber.connect(mqtt::connect_options_builder().clean_session(true).finalize())
        ->wait_for(std::chrono::seconds(5));
    if (!subscriber.is_connected()) return Error(args.url + ": cannot connect to the broker");
    subscriber.subscribe(prefix + "/+/results", args.qos)->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception& e) {
    return Error(args.url + ": " + e.what());
  }
  return Status::Ok();
}

using Devices = std::vector<std::unique_ptr<MqttTelemetry>>;

// --devices telemetry clients, waited for (up to 5 s) until all are connected.
Result<Devices> start_devices(const MqttBenchArgs& args, const std::string& prefix,
                              const std::filesystem::path& queue) {
  Devices devices;
  for (int d = 0; d < args.devices; ++d) {
    MqttOptions o;
    o.url = args.url;
    o.device = "device" + std::to_string(d);
    o.prefix = prefix;
    o.qos = args.qos;
    o.queue_dir = queue;
    auto t = MqttTelemetry::start(o, {});
    if (!t) return t.error();
    devices.push_back(std::move(t).value());
  }
  for (int i = 0; i < 500; ++i) {
    bool all = true;
    for (auto& d : devices) all = all && d->stats().connected;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return devices;
}

struct Published {
  int64_t sent = 0;
  int64_t publish_ns = 0;  // summed over the publish calls
};

// Each device on its own schedule, like separate machines; the publish call is timed (its CPU
// cost is what a device's pipeline pays per result).
Published publish_results(const MqttBenchArgs& args, Devices& devices) {
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> publish_ns{0};
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::duration<double>(1.0 / args.rate_hz);
  const int frames = static_cast<int>(args.seconds * args.rate_hz);
  for (int d = 0; d < args.devices; ++d) {
    threads.emplace_back([&, d] {
      const auto offset = period * (double(d) / args.devices);
      for (int f = 0; f < frames; ++f) {
        std::this_thread::sleep_until(
            start +
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(offset + period * f));
        FrameResult r = sample_result(f);
        const auto t0 = std::chrono::steady_clock::now();
        devices[static_cast<size_t>(d)]->publish_result(r);
        publish_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - t0)
                          .count();
        ++sent;
      }
    });
  }
  for (auto& t : threads) t.join();
  return {sent.load(), publish_ns.load()};
}

// Until everything sent has arrived, at most 15 s; then the devices and the subscriber go.
void finish(Collector& collector, int64_t sent, Devices& devices, mqtt::async_client& subscriber) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (collector.received() < static_cast<size_t>(sent) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  for (auto& d : devices) d->stop(std::chrono::milliseconds(500));
  try {
    subscriber.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
  }
}

// The benchmark's one JSON line.
nlohmann::ordered_json result_line(const MqttBenchArgs& args, const Published& published,
                                   Collector& collector) {
  const int64_t sent = published.sent;
  const int64_t received = static_cast<int64_t>(collector.received());
  const LatencySummary latency = summarize_latencies(collector.latencies());
  const double publish_us = sent ? published.publish_ns / 1000.0 / double(sent) : 0;
  const double frame_ms = 1000.0 / 30;  // a camera-rate pipeline's frame time
  return {{"benchmark", "mqtt"},
          {"broker", args.url},
          {"devices", args.devices},
          {"rate_hz", args.rate_hz},
          {"seconds", args.seconds},
          {"qos", args.qos},
          {"sent", sent},
          {"received", received},
          {"lost", sent - received},
          {"duplicates", collector.duplicates()},
          {"latency_ms",
           {{"median", rounded(latency.median_ms, 1)}, {"p90", rounded(latency.p90_ms, 1)}}},
          {"publish_us_per_result", rounded(publish_us, 1)},
          {"publish_share_of_30fps_frame_pct", rounded(100 * publish_us / 1000.0 / frame_ms, 3)},
          {"peak_rss_mb", rounded(peak_rss_mb(), 1)}};
}

int run_bench_mqtt(const MqttBenchArgs& args) {
  auto fail = [](const std::string& message) {
    std::cerr << "posecast bench mqtt: " << message << "\n";
    return 1;
  };
  const std::string prefix = "posecast-bench-" + std::to_string(unix_ms_now());
  Collector collector;
  mqtt::async_client subscriber(args.url, prefix + "-dashboard");
  subscriber.set_callback(collector);
  if (Status s = subscribe(subscriber, args, prefix); !s.ok()) return fail(s.error().message());
  const auto queue = std::filesystem::temp_directory_path() / (prefix + "-queue");
  auto devices = start_devices(args, prefix, queue);
  if (!devices) return fail(devices.error().message());
  const Published published = publish_results(args, devices.value());
  finish(collector, published.sent, devices.value(), subscriber);
  std::error_code ec;
  std::filesystem::remove_all(queue, ec);
  const nlohmann::ordered_json line = result_line(args, published, collector);
  print_json_line(line);
  return line["lost"].get<int64_t>() == 0 ? 0 : 1;
}

}  // namespace

void add_bench_mqtt(CLI::App& bench, Context& ctx) {
  auto args = std::make_shared<MqttBenchArgs>();
  CLI::App* cmd = bench.add_subcommand(
      "mqtt",
      "Simulate a class: N devices publish results at R Hz into one broker while a subscriber (the "
      "dashboard's view) counts them. One JSON line: sent, received, lost, duplicates, publish -> "
      "subscriber latency (median, p90), the CPU time of one publish and its share of a 30 fps "
      "frame. "
      "Exit code 1 when anything was lost.");
  cmd->add_option("--mqtt", args->url, "Broker URL (e.g. a local Mosquitto)")
      ->capture_default_str();
  cmd->add_option("--devices", args->devices, "Simulated devices")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  cmd->add_option("--rate", args->rate_hz, "Results per second per device")
      ->check(CLI::Range(0.1, 100.0))
      ->capture_default_str();
  cmd->add_option("--seconds", args->seconds, "How long")
      ->check(CLI::Range(0.5, 3600.0))
      ->capture_default_str();
  cmd->add_option("--qos", args->qos, "QoS")->check(CLI::Range(0, 2))->capture_default_str();
  cmd->callback([args, &ctx] { ctx.exit_code = run_bench_mqtt(*args); });
}

}  // namespace posecast::cli
