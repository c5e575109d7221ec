// ClassResults: the class dashboard's record of each student, from the MQTT results the devices
// publish, into an SQLite file and into a real PostgreSQL server that goes away mid-class and
// comes back without a result lost.
#include "posecast/class_results.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "telemetry/history_temp_dir.h"
#include "telemetry/postgres_server.h"

namespace posecast {
namespace {

using nlohmann::json;
using testing::HistoryTempDir;
using testing::PostgresServer;

constexpr int64_t kT0 = 1'735'812'000'000;

// Plays one device's MQTT results: 10 a second, from kT0.
class DeviceFeed {
 public:
  DeviceFeed(ClassResults& results, std::string device)
      : results_(results), device_(std::move(device)) {}

  void status(const std::string& state, const std::string& model = "builtin") {
    results_.apply("posecast/" + device_ + "/status",
                   json{{"state", state}, {"model", model}}.dump(), t_);
  }
  // `seconds` of `pose` scored `score`, with `correction` as the first one ("" none).
  void hold(const std::string& pose, double seconds, int score, const std::string& correction) {
    for (int i = 0; i < seconds * 10; ++i) {
      json corrections = json::array();
      if (!correction.empty())
        corrections.push_back({{"text", correction + ": 150° → 175°"},
                               {"joint", "left_knee"},
                               {"measured_deg", 150},
                               {"target_deg", 175}});
      send({{"decision", pose}, {"score", score}, {"corrections", corrections}});
    }
  }
  // Nobody in the picture for `seconds`.
  void idle(double seconds) {
    for (int i = 0; i < seconds * 10; ++i)
      send({{"decision", "take_your_pose"}, {"score", nullptr}, {"corrections", json::array()}});
  }
  // `reps` squats of set `set` (score 80, range 0.9, cue "Chest up"), then the counter rests.
  void squats(int set, int reps) {
    for (int r = 1; r <= reps; ++r) {
      total_ += 1;
      send({{"decision", "take_your_pose"},
            {"score", nullptr},
            {"corrections", json::array()},
            {"exercise",
             {{"id", "squat"},
              {"name", "Squat"},
              {"reps", r},
              {"total_reps", total_},
              {"partial_reps", 0},
              {"set", set},
              {"phase", "up"},
              {"rest_s", 0},
              {"target_reps", 0},
              {"last_rep",
               {{"range", 0.9},
                {"tempo_down_s", 1.0},
                {"tempo_up_s", 1.0},
                {"score", 80},
                {"cue", "Chest up"},
                {"partial", false}}}}}});
    }
    send({{"decision", "take_your_pose"},
          {"score", nullptr},
          {"corrections", json::array()},
          {"exercise",
           {{"id", "squat"},
            {"name", "Squat"},
            {"reps", reps},
            {"total_reps", total_},
            {"partial_reps", 0},
            {"set", set},
            {"phase", "rest"},
            {"rest_s", 1},
            {"target_reps", 0},
            {"last_rep", nullptr}}}});
  }
  int64_t now() const { return t_; }

 private:
  void send(json r) {
    r["device"] = device_;
    r["ts"] = t_;
    r["frame"] = frame_++;
    r["top"] = json::object();
    r["hold_s"] = 0;
    results_.apply("posecast/" + device_ + "/results", r.dump(), t_);
    t_ += 100;
  }

  ClassResults& results_;
  std::string device_;
  int64_t t_ = kT0;
  int64_t frame_ = 0;
  int total_ = 0;
};

std::unique_ptr<PracticeStore> sqlite_store(const HistoryTempDir& dir) {
  auto store = open_sqlite_store(dir.path() / "class.sqlite");
  EXPECT_TRUE(store.ok()) << store.error().message();
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(ClassResults, HoldsAndSetsOfEachStudentLandInTheirOwnSession) {
  HistoryTempDir dir;
  ClassResults results(sqlite_store(dir));
  DeviceFeed mat1(results, "mat1"), mat2(results, "mat2");
  mat1.status("online", "movenet-thunder");
  mat1.hold("tree", 3, 80, "Straighten your left knee");
  mat1.idle(1);
  mat1.squats(1, 5);
  mat2.hold("warrior2", 2.5, 70, "");
  mat2.idle(1);
  EXPECT_EQ(results.flush(), 0u);
  mat1.status("offline");  // ends mat1's session
  EXPECT_EQ(results.flush(), 0u);

  SessionQuery q;
  q.device = "mat1";
  auto sessions = results.sessions(q);
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_EQ(sessions->size(), 1u);
  const PracticeSession& s = sessions->at(0);
  EXPECT_EQ(s.model, "movenet-thunder");
  EXPECT_GT(s.end_unix_ms, 0);
  ASSERT_EQ(s.holds.size(), 1u);
  EXPECT_EQ(s.holds[0].pose, "tree");
  EXPECT_NEAR(s.holds[0].duration_s, 3.0, 0.11);
  EXPECT_FLOAT_EQ(s.holds[0].mean_score, 80);
  // The cue is the correction's words without the measurement.
  EXPECT_EQ(s.holds[0].main_correction, "Straighten your left knee");
  ASSERT_EQ(s.sets.size(), 1u);
  EXPECT_EQ(s.sets[0].reps, 5);
  EXPECT_FLOAT_EQ(s.sets[0].mean_score, 80);
  EXPECT_NEAR(s.sets[0].mean_range, 0.9, 1e-6);
  EXPECT_EQ(s.sets[0].main_cue, "Chest up");
  q.device = "mat2";
  auto other = results.sessions(q);
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ(other->at(0).end_unix_ms, 0);  // still going
  EXPECT_EQ(other->at(0).holds.at(0).pose, "warrior2");
  EXPECT_EQ(*results.students(), (std::vector<std::string>{"mat1", "mat2"}));
  EXPECT_EQ(results.stats().holds, 2);
  EXPECT_EQ(results.stats().sets, 1);
}

TEST(ClassResults, StoppingEndsTheHoldInProgressAndEverySession) {
  HistoryTempDir dir;
  ClassResults results(sqlite_store(dir));
  DeviceFeed mat1(results, "mat1");
  mat1.hold("tree", 4, 90, "");
  results.stop(mat1.now());
  auto sessions = results.sessions({});
  ASSERT_EQ(sessions->size(), 1u);
  ASSERT_EQ(sessions->at(0).holds.size(), 1u);
  EXPECT_GT(sessions->at(0).end_unix_ms, 0);
}

TEST(ClassResults, ALongSilenceStartsANewSessionAndRepeatsAreIgnored) {
  HistoryTempDir dir;
  ClassResults results(sqlite_store(dir), "posecast", std::chrono::seconds(60));
  const auto result = [](int64_t ts, const char* decision) {
    return json{{"ts", ts}, {"decision", decision}, {"score", 60}, {"corrections", json::array()}}
        .dump();
  };
  for (int i = 0; i <= 30; ++i)
    results.apply("posecast/mat1/results", result(kT0 + i * 100, "tree"), kT0 + i * 100);
  // The same results again (a broker resending): nothing changes.
  for (int i = 0; i <= 30; ++i)
    results.apply("posecast/mat1/results", result(kT0 + i * 100, "tree"), kT0 + 3'100);
  // Two minutes later, another hold: the first session ended with its last result.
  const int64_t later = kT0 + 120'000;
  for (int i = 0; i <= 30; ++i)
    results.apply("posecast/mat1/results", result(later + i * 100, "chair"), later + i * 100);
  results.stop(later + 3'100);
  auto sessions = results.sessions({});
  ASSERT_EQ(sessions->size(), 2u);
  EXPECT_EQ(sessions->at(1).holds.size(), 1u);
  EXPECT_EQ(sessions->at(1).holds[0].pose, "tree");
  EXPECT_NEAR(sessions->at(1).holds[0].duration_s, 3.0, 0.01);
  EXPECT_EQ(sessions->at(1).end_unix_ms, kT0 + 3'000);
  EXPECT_EQ(sessions->at(0).holds.at(0).pose, "chair");
  // Messages of other topics or that are not results are left to the roster.
  results.apply("posecast/mat1/results", "not json", later);
  results.apply("other/mat1/results", result(later + 10'000, "tree"), later);
  results.apply("posecast/mat1/errors", R"({"kind":"x","message":"y"})", later);
}

TEST(ClassResults, TrackedResultReadsWhatTheTrackersNeed) {
  const FrameResult r = tracked_result(json::parse(R"({
    "ts": 1700000000123, "decision": "tree", "variant": "left", "score": 77.6, "target": "chair",
    "corrections": [{"text": "Bend your knees: 170° → 120°", "cue": "Bend your knees"}],
    "exercise": {"id": "squat", "total_reps": 4, "partial_reps": 1, "set": 2, "phase": "down",
                 "last_rep": {"range": 0.8, "tempo_down_s": 1.2, "tempo_up_s": 0.8,
                              "score": 70, "cue": "Chest up", "partial": true}}})"));
  EXPECT_EQ(r.capture_unix_ms, 1'700'000'000'123);
  EXPECT_EQ(r.classification.decision, "tree");
  EXPECT_EQ(r.classification.variant, "left");
  ASSERT_TRUE(r.coach);
  EXPECT_EQ(r.coach->pose, "chair");  // scored against the target
  EXPECT_EQ(r.coach->score, 78);
  ASSERT_EQ(r.coach->corrections.size(), 1u);
  EXPECT_EQ(r.coach->corrections[0].cue, "Bend your knees");
  ASSERT_TRUE(r.exercise);
  EXPECT_EQ(r.exercise->set, 2);
  EXPECT_EQ(r.exercise->total_reps, 4);
  ASSERT_TRUE(r.exercise->last_rep);
  EXPECT_TRUE(r.exercise->last_rep->partial);
  EXPECT_DOUBLE_EQ(r.exercise->last_rep->end_s, 2.0);
  // Wrong types are ignored, not thrown.
  const FrameResult odd = tracked_result(json::parse(R"({"ts": "x", "decision": 3,
    "score": "high", "exercise": [1]})"));
  EXPECT_EQ(odd.capture_unix_ms, 0);
  EXPECT_FALSE(odd.coach);
  EXPECT_FALSE(odd.exercise);
}

// The database server stops in the middle of a class and starts again: the holds and sets of
// the outage wait in memory and are all written when it is back, in the session they belong to.
TEST(ClassResultsPostgres, AServerThatGoesAwayAndComesBackLosesNothing) {
  if (const std::string why = PostgresServer::missing(); !why.empty()) GTEST_SKIP() << why;
  PostgresServer server;
  ASSERT_TRUE(server.start()) << server.log();
  auto store = open_practice_store(server.url());
  ASSERT_TRUE(store.ok()) << store.error().message();
  ClassResults results(std::move(store).value());
  DeviceFeed mat1(results, "mat1");
  mat1.status("online");
  mat1.hold("tree", 3, 80, "Straighten your left knee");
  mat1.idle(1);
  EXPECT_EQ(results.flush(), 0u);
  ASSERT_EQ(results.stats().holds, 1);

  server.stop();
  mat1.hold("chair", 2.5, 70, "Sit back");
  mat1.idle(1);
  mat1.squats(1, 4);
  mat1.hold("tree", 2.5, 85, "");
  mat1.idle(1);
  EXPECT_EQ(results.flush(), 3u) << "waiting: two holds and a set";
  EXPECT_FALSE(results.stats().reachable);
  EXPECT_NE(results.stats().last_problem.find("cannot reach the server"), std::string::npos)
      << results.stats().last_problem;
  EXPECT_EQ(results.flush(), 3u);  // still away: still waiting, in order
  mat1.status("offline");          // the end of the session waits too
  EXPECT_EQ(results.stats().pending, 4u);

  ASSERT_TRUE(server.start()) << server.log();
  EXPECT_EQ(results.flush(), 0u) << results.stats().last_problem;
  EXPECT_TRUE(results.stats().reachable);
  EXPECT_EQ(results.stats().dropped, 0);

  auto sessions = results.sessions({});
  ASSERT_TRUE(sessions.ok()) << sessions.error().message();
  ASSERT_EQ(sessions->size(), 1u) << "one session, not one per reconnection";
  const PracticeSession& s = sessions->at(0);
  ASSERT_EQ(s.holds.size(), 3u);
  EXPECT_EQ(s.holds[0].pose, "tree");
  EXPECT_EQ(s.holds[1].pose, "chair");
  EXPECT_EQ(s.holds[1].main_correction, "Sit back");
  EXPECT_EQ(s.holds[2].pose, "tree");
  ASSERT_EQ(s.sets.size(), 1u);
  EXPECT_EQ(s.sets[0].reps, 4);
  EXPECT_GT(s.end_unix_ms, s.start_unix_ms);
}

}  // namespace
}  // namespace posecast
