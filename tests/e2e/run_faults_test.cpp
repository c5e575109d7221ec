// Faults `posecast run` must ride out (issue 8), with the real binary, a real Mosquitto broker and
// real clients:
// - the --model file is replaced by a corrupt one (hot reload): the old model keeps classifying,
//   the error goes out on MQTT and into /api/status; a good new version then takes over;
// - the disk fills during --record (simulated without root by a file size limit on the child):
//   one clear error (stderr, MQTT, status), recording stops, the stream and results go on.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "classify/tiny_mlp_model.h"
#include "e2e/posecast_process.h"
#include "stream/test_client.h"
#include "telemetry/json_schema.h"
#include "telemetry/mosquitto_broker.h"
#include "telemetry/mqtt_subscriber.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace posecast::testing;

// The pose ids a result gives any probability (the labels of the model that made it; after a
// switch the smoothed probabilities of the old model's labels fade to 0 but stay listed).
std::set<std::string> labels_of(const json& result) {
  std::set<std::string> labels;
  for (const auto& [label, prob] : result["top"].items())
    if (prob.get<double>() > 0) labels.insert(label);
  return labels;
}

json status_of(const PosecastProcess& run) {
  const HttpAnswer answer = http_get(run.port(), "/api/status");
  return answer.status == 200 ? json::parse(answer.body) : json::object();
}

class RunFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = models_missing(); !why.empty()) GTEST_SKIP() << why;
    if (!MosquittoBroker::available()) GTEST_SKIP() << "needs mosquitto";
    ASSERT_TRUE(broker_.start());
    dir_ = fs::temp_directory_path() / ("posecast_run_faults_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> run_args(const std::string& device) const {
    return {"run",    "--source",    "demo",      "--fps",     "15",
            "--http", "127.0.0.1:0", "--no-auth", "--seconds", "120",
            "--mqtt", broker_.url(), "--device",  device,      "--no-history"};
  }
  // Results on MQTT from message `from` on.
  static std::vector<json> results_since(MqttSubscriber& sub, size_t from) {
    std::vector<json> out;
    const auto all = sub.messages("/results");
    for (size_t i = from; i < all.size(); ++i) out.push_back(all[i].json());
    return out;
  }

  MosquittoBroker broker_;
  fs::path dir_;
};

TEST_F(RunFaults, ACorruptModelFileLeavesTheOldModelRunningAndAGoodOneTakesOver) {
  const fs::path model = dir_ / "coach.model";
  ASSERT_TRUE(save_tiny_mlp_model(model, {"tree", "plank"}, 1).ok());
  ASSERT_TRUE(save_tiny_mlp_model(dir_ / "next.model", {"warrior2", "downdog"}, 2).ok());
  const std::set<std::string> old_labels = {"tree", "plank"};
  const std::set<std::string> new_labels = {"warrior2", "downdog"};

  MqttSubscriber sub(broker_.url(), "posecast/reload1/#");
  ASSERT_TRUE(sub.connect());
  std::vector<std::string> args = run_args("reload1");
  args.insert(args.end(), {"--model", model.string()});
  PosecastProcess run(args);
  ASSERT_TRUE(run.started()) << run.error();
  ASSERT_TRUE(run.wait_for_url(std::chrono::seconds(60))) << run.err();
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages("/results").size() >= 5; })) << run.err();
  for (const json& r : results_since(sub, 0)) ASSERT_EQ(labels_of(r), old_labels) << r.dump();
  EXPECT_EQ(status_of(run)["model_file"], json({{"file", model.string()}, {"reloads", 0}}));

  // The file is overwritten in place by a truncated copy.
  std::string bytes;
  {
    std::ifstream in(model, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::ofstream(model, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 3);
  ASSERT_TRUE(sub.wait_for([&] { return !sub.messages("/errors").empty(); }))
      << "no error on MQTT; stderr:\n"
      << run.err();
  const json error = sub.messages("/errors")[0].json();
  EXPECT_EQ(schema_problems(error, load_schema("mqtt-errors.schema.json")), "") << error.dump();
  EXPECT_EQ(error["device"], "reload1");
  EXPECT_EQ(error["kind"], "model");
  const std::string message = error["message"];
  EXPECT_TRUE(message.starts_with("model file " + model.string() +
                                  " changed but does not load; the previous model keeps running: "))
      << message;
  EXPECT_NE(run.err().find("posecast run: model: " + message), std::string::npos) << run.err();
  const json broken = status_of(run)["model_file"];
  EXPECT_EQ(broken["error"], message);
  EXPECT_EQ(broken["reloads"], 0);

  // Results keep coming, from the old model.
  const size_t seen = sub.messages("/results").size();
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages("/results").size() >= seen + 10; }));
  for (const json& r : results_since(sub, seen)) ASSERT_EQ(labels_of(r), old_labels) << r.dump();

  // A good, different model renamed over it: reloaded, and its labels are in the results.
  fs::rename(dir_ / "next.model", model);
  ASSERT_TRUE(sub.wait_for([&] {
    const auto results = sub.messages("/results");
    return !results.empty() && labels_of(results.back().json()) == new_labels;
  })) << sub.messages("/results").back().payload
      << "\n"
      << run.err();
  const json reloaded = status_of(run)["model_file"];
  EXPECT_EQ(reloaded["reloads"], 1) << reloaded.dump();
  EXPECT_FALSE(reloaded.contains("error")) << reloaded.dump();
  EXPECT_EQ(status_of(run)["model"], model.string());
  EXPECT_NE(run.err().find("posecast run: model: now running " + model.string()),
            std::string::npos);
  EXPECT_EQ(sub.messages("/errors").size(), 1u) << "one error per broken version";
}

// A soft file size limit, inherited by children forked while it is in place.
class ScopedFileSizeLimit {
 public:
  explicit ScopedFileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &saved_);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~ScopedFileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &saved_); }

 private:
  rlimit saved_{};
};

TEST_F(RunFaults, AFullDiskStopsTheRecordingWithOneErrorAndTheStreamGoesOn) {
  const fs::path video = dir_ / "session.mp4";
  MqttSubscriber sub(broker_.url(), "posecast/rec1/#");
  ASSERT_TRUE(sub.connect());
  std::vector<std::string> args = run_args("rec1");
  args[4] = "30";  // --fps: the stream as a student sees it
  args.insert(args.end(), {"--record", video.string()});
  constexpr rlim_t kLimit = 256 << 10;  // the "disk" holds 256 KiB of video
  std::unique_ptr<PosecastProcess> run;
  {
    ScopedFileSizeLimit limit(kLimit);
    run = std::make_unique<PosecastProcess>(args);
  }
  ASSERT_TRUE(run->started()) << run->error();
  ASSERT_TRUE(run->wait_for_url(std::chrono::seconds(60))) << run->err();
  EXPECT_EQ(status_of(*run)["record"]["state"], "recording");

  ASSERT_TRUE(
      sub.wait_for([&] { return !sub.messages("/errors").empty(); }, std::chrono::seconds(60)))
      << "no error on MQTT; status: " << status_of(*run).dump() << "\nstderr:\n"
      << run->err();
  const json error = sub.messages("/errors")[0].json();
  EXPECT_EQ(schema_problems(error, load_schema("mqtt-errors.schema.json")), "") << error.dump();
  EXPECT_EQ(error["kind"], "record");
  const std::string message = error["message"];
  EXPECT_TRUE(message.starts_with("recording to " + video.string() + " stopped after ")) << message;
  EXPECT_NE(message.find("the file stopped growing at 256 KiB"), std::string::npos) << message;
  EXPECT_TRUE(message.ends_with("; the live stream goes on")) << message;
  EXPECT_NE(run->err().find("posecast run: record: " + message), std::string::npos) << run->err();
  const json record = status_of(*run)["record"];
  EXPECT_EQ(record["state"], "failed");
  EXPECT_EQ(record["error"], message);
  EXPECT_EQ(record["file"], video.string());
  EXPECT_LE(fs::file_size(video), kLimit);

  // The live side does not notice: new frames on the stream, new results on MQTT and /ws.
  const size_t seen = sub.messages("/results").size();
  MjpegReader viewer(run->port());
  ASSERT_TRUE(viewer.ok()) << viewer.error();
  const auto first = viewer.next_part(std::chrono::seconds(5));
  ASSERT_TRUE(first);
  std::optional<MjpegPart> later;
  for (int i = 0; i < 30 && (later = viewer.next_part(std::chrono::seconds(5))); ++i) {
  }
  ASSERT_TRUE(later) << viewer.error();
  EXPECT_GT(later->frame(), first->frame());
  EXPECT_EQ(
      cv::imdecode(std::vector<uint8_t>(later->jpeg.begin(), later->jpeg.end()), cv::IMREAD_COLOR)
          .cols,
      640);
  ASSERT_TRUE(sub.wait_for([&] { return sub.messages("/results").size() >= seen + 20; }));
  EXPECT_TRUE(eventually(
      [&] {
        const HttpAnswer snapshot = http_get(run->port(), "/snapshot.jpg");
        return snapshot.status == 200 && std::stoll(snapshot.header("X-Frame")) > later->frame();
      },
      std::chrono::seconds(5)))
      << "the snapshot must keep up with the stream";
  EXPECT_EQ(sub.messages("/errors").size(), 1u) << "one error, not one per frame";
  EXPECT_FALSE(run->wait_exit(std::chrono::milliseconds(10))) << "still running";
}

}  // namespace
}  // namespace posecast
