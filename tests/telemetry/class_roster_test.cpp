// The class roster's rules without a broker: what each topic does to a device, what is refused,
// and where commands go.
#include "posecast/class_roster.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

using nlohmann::json;

const char* kOnline =
    R"({"device":"mat1","state":"online","ts":1,"stream_url":"http://10.0.0.5:8080/","model":"builtin","host":"pi5"})";
const char* kResult =
    R"({"device":"mat1","ts":2,"frame":41,"decision":"tree","top":{"tree":0.87,"mountain":0.1},)"
    R"("score":78,"hold_s":3.25,"corrections":[{"text":"Straighten your left knee","joint":"left_knee",)"
    R"("measured_deg":148,"target_deg":175}],"target":"tree","message":"Breathe","fps":29.8,"secret":1})";

json only_device(const ClassRoster& roster, int64_t now_ms) {
  json all = roster.devices_json(now_ms);
  EXPECT_EQ(all["devices"].size(), 1u) << all.dump();
  return all["devices"].empty() ? json() : all["devices"][0];
}

TEST(ClassRoster, ADeviceAppearsWithItsStatusAndShowsItsLatestResult) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 1000).ok());
  json d = only_device(roster, 1000);
  EXPECT_EQ(d["id"], "mat1");
  EXPECT_EQ(d["state"], "online");
  EXPECT_EQ(d["stream_url"], "http://10.0.0.5:8080/");
  EXPECT_EQ(d["model"], "builtin");
  EXPECT_EQ(d["host"], "pi5");
  EXPECT_TRUE(d["result"].is_null());
  EXPECT_EQ(d["stale"], true) << "online without results yet";

  ASSERT_TRUE(roster.apply("posecast/mat1/results", kResult, 1200).ok());
  d = only_device(roster, 1500);
  EXPECT_EQ(d["stale"], false);
  EXPECT_DOUBLE_EQ(d["result_age_s"].get<double>(), 0.3);
  EXPECT_EQ(d["results_received"], 1);
  const json& r = d["result"];
  EXPECT_EQ(r["decision"], "tree");
  EXPECT_DOUBLE_EQ(r["top"]["tree"].get<double>(), 0.87);
  EXPECT_EQ(r["score"], 78);
  EXPECT_DOUBLE_EQ(r["hold_s"].get<double>(), 3.25);
  EXPECT_EQ(r["corrections"][0]["joint"], "left_knee");
  EXPECT_EQ(r["target"], "tree");
  EXPECT_EQ(r["message"], "Breathe");
  EXPECT_FALSE(r.contains("secret")) << "only the fields a tile shows reach the page";
}

TEST(ClassRoster, ATileShowsTheRepCountOfTheExerciseGoingOn) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 1000).ok());
  const char* squats =
      R"({"device":"mat1","ts":2,"frame":41,"decision":"take_your_pose","top":{},"score":null,)"
      R"("hold_s":0,"corrections":[],"exercise":{"id":"squat","name":"Squat","reps":7,)"
      R"("total_reps":17,"partial_reps":1,"set":2,"phase":"up","rest_s":0,"target_reps":10,)"
      R"("last_rep":{"range":0.8,"tempo_down_s":1.2,"tempo_up_s":0.9,"score":74,)"
      R"("cue":"Chest up","partial":false},"secret":1}})";
  ASSERT_TRUE(roster.apply("posecast/mat1/results", squats, 1200).ok());
  const json e = only_device(roster, 1300)["result"]["exercise"];
  EXPECT_EQ(e["name"], "Squat");
  EXPECT_EQ(e["reps"], 7);
  EXPECT_EQ(e["target_reps"], 10);
  EXPECT_EQ(e["set"], 2);
  EXPECT_EQ(e["last_rep"], json({{"score", 74}, {"cue", "Chest up"}}));
  EXPECT_FALSE(e.contains("secret"));
  // A result without an exercise (or a malformed one) leaves none on the tile.
  ASSERT_TRUE(roster.apply("posecast/mat1/results", kResult, 1400).ok());
  EXPECT_FALSE(only_device(roster, 1500)["result"].contains("exercise"));
  const std::string odd = std::string(kResult).replace(1, 0, R"("exercise":3,)");
  ASSERT_TRUE(roster.apply("posecast/mat1/results", odd, 1600).ok());
  EXPECT_FALSE(only_device(roster, 1700)["result"].contains("exercise"));
}

TEST(ClassRoster, ResultsStoppingMakeTheTileStaleAfterTheLimit) {
  ClassRoster roster("posecast", std::chrono::seconds(5));
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 0).ok());
  ASSERT_TRUE(roster.apply("posecast/mat1/results", kResult, 1000).ok());
  EXPECT_EQ(only_device(roster, 5900)["stale"], false);
  EXPECT_EQ(only_device(roster, 6100)["stale"], true);
}

TEST(ClassRoster, ALastWillSaysOfflineAndKeepsTheLastPictureUrl) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 0).ok());
  ASSERT_TRUE(roster.apply("posecast/mat1/results", kResult, 10).ok());
  ASSERT_TRUE(roster
                  .apply("posecast/mat1/status",
                         R"({"device":"mat1","state":"offline","reason":"lost"})", 20)
                  .ok());
  json d = only_device(roster, 30);
  EXPECT_EQ(d["state"], "offline");
  EXPECT_EQ(d["reason"], "lost");
  EXPECT_EQ(d["stream_url"], "http://10.0.0.5:8080/");
  EXPECT_EQ(d["stale"], false) << "offline says it all";
  // A result delayed past the goodbye does not bring it back.
  ASSERT_TRUE(roster.apply("posecast/mat1/results", kResult, 40).ok());
  EXPECT_EQ(only_device(roster, 50)["state"], "offline");
  // Coming back online clears the reason.
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 60).ok());
  d = only_device(roster, 70);
  EXPECT_EQ(d["state"], "online");
  EXPECT_FALSE(d.contains("reason"));
}

TEST(ClassRoster, ErrorsAreKeptWithTheirAge) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(
      roster
          .apply(
              "posecast/mat1/errors",
              R"({"device":"mat1","ts":5,"kind":"bad_command","message":"commands: command is not valid JSON"})",
              1000)
          .ok());
  json d = only_device(roster, 3000);
  EXPECT_EQ(d["state"], "unknown") << "an error before any status";
  EXPECT_EQ(d["error"]["kind"], "bad_command");
  EXPECT_EQ(d["error"]["message"], "commands: command is not valid JSON");
  EXPECT_DOUBLE_EQ(d["error_age_s"].get<double>(), 2.0);
}

TEST(ClassRoster, AnEmptyRetainedStatusRemovesTheDevice) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 0).ok());
  const uint64_t before = roster.version();
  ASSERT_TRUE(roster.apply("posecast/mat1/status", "", 1).ok());
  EXPECT_TRUE(roster.devices_json(2)["devices"].empty());
  EXPECT_GT(roster.version(), before);
}

TEST(ClassRoster, RefusesWhatIsNotAClassMessageAndNamesTheTopic) {
  ClassRoster roster("school/posecast");
  struct Case {
    const char* topic;
    const char* payload;
    const char* expected;
  };
  const Case cases[] = {
      {"other/mat1/status", kOnline, "other/mat1/status: not under 'school/posecast/'"},
      {"school/posecast/mat1", kOnline, "expected <prefix>/<device>/<leaf>"},
      {"school/posecast/mat1/commands", "{}", "not a class topic"},
      {"school/posecast/mat1/results", "{not json", "school/posecast/mat1/results: not valid JSON"},
      {"school/posecast/mat1/results", "[1,2]", "not a JSON object"},
      {"school/posecast/mat1/results", R"({"frame":1})", "field 'decision' must be a string"},
      {"school/posecast/mat1/status", R"({"state":"sleeping"})", "field 'state' must be"},
      {"school/posecast/mat1/results", "", "empty message"},
  };
  for (const Case& c : cases) {
    Status s = roster.apply(c.topic, c.payload, 0);
    ASSERT_FALSE(s.ok()) << c.topic << " " << c.payload;
    EXPECT_NE(s.error().message().find(c.expected), std::string::npos) << s.error().message();
  }
  EXPECT_TRUE(roster.devices_json(0)["devices"].empty()) << "nothing half-applied";
  EXPECT_EQ(roster.version(), 0u);
  // A prefix with a slash works.
  EXPECT_TRUE(roster.apply("school/posecast/mat1/status", kOnline, 0).ok());
}

TEST(ClassRoster, CommandsGoToOneDeviceOrEveryOnlineOne) {
  ClassRoster roster("posecast");
  Result<std::vector<std::string>> none = roster.command_targets("*");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message(), "no device of the class is online");

  ASSERT_TRUE(roster.apply("posecast/a/status", R"({"state":"online"})", 0).ok());
  ASSERT_TRUE(roster.apply("posecast/b/status", R"({"state":"offline"})", 0).ok());
  ASSERT_TRUE(roster.apply("posecast/c/results", R"({"decision":"tree"})", 0).ok());
  auto all = roster.command_targets("*");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all.value(), (std::vector<std::string>{"a", "c"}));
  auto one = roster.command_targets("b");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value(), std::vector<std::string>{"b"});
  auto bad = roster.command_targets("a/+");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("bad device id 'a/+'"), std::string::npos);
}

// The dashboard asks an online device for a viewer link when it has none or when half its life
// is gone, not more often than every 10 s, and drops it when the device goes offline.
TEST(ClassRoster, ViewerLinksAreAskedForKeptAndDropped) {
  ClassRoster roster("posecast");
  ASSERT_TRUE(roster.apply("posecast/mat1/status", kOnline, 1000).ok());
  EXPECT_EQ(roster.viewer_links_due(1000), std::vector<std::string>{"mat1"});
  EXPECT_TRUE(roster.viewer_links_due(5000).empty()) << "asked 4 s ago";
  EXPECT_FALSE(only_device(roster, 5000).contains("viewer_url"));

  const char* kLink =
      R"({"device":"mat1","ts":6000,"url":"http://10.0.0.5:8080/?token=v1-1800-ab","expires_ms":1206000})";
  ASSERT_TRUE(roster.apply("posecast/mat1/viewer", kLink, 6000).ok());
  json d = only_device(roster, 7000);
  EXPECT_EQ(d["viewer_url"], "http://10.0.0.5:8080/?token=v1-1800-ab");
  EXPECT_EQ(d["viewer_expires_ms"], 1206000);
  EXPECT_EQ(d["stream_url"], "http://10.0.0.5:8080/");
  EXPECT_TRUE(roster.viewer_links_due(600'000).empty()) << "fresh: less than half its life";
  EXPECT_EQ(roster.viewer_links_due(606'001), std::vector<std::string>{"mat1"});
  EXPECT_FALSE(only_device(roster, 1'206'000).contains("viewer_url")) << "expired";

  ASSERT_TRUE(roster.apply("posecast/mat1/status", R"({"state":"offline"})", 700'000).ok());
  EXPECT_FALSE(only_device(roster, 700'000).contains("viewer_url"));
  EXPECT_TRUE(roster.viewer_links_due(800'000).empty()) << "offline devices are not asked";

  EXPECT_FALSE(roster.apply("posecast/mat1/viewer", R"({"url":"x"})", 1).ok());
}

}  // namespace
}  // namespace posecast
