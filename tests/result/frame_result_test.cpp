// The exercise object of the result JSON that /ws, MQTT results and `analyze` JSONL carry.
#include "posecast/frame_result.h"

#include <gtest/gtest.h>

#include <set>

#include "posecast/mqtt_telemetry.h"
#include "posecast/person_colour.h"
#include "telemetry/json_schema.h"

namespace posecast {
namespace {

using nlohmann::json;

ExerciseState squats_after_seven_reps() {
  ExerciseState e;
  e.id = "squat";
  e.name = "Squat";
  e.reps = 7;
  e.total_reps = 17;
  e.partial_reps = 2;
  e.set = 2;
  e.phase = "down";
  e.target_reps = 10;
  RepRecord rep;
  rep.number = 7;
  rep.range = 0.8349f;
  rep.tempo_down_s = 1.2345;
  rep.tempo_up_s = 0.876;
  rep.score = 74;
  rep.cue = "Hips down to knee height";
  e.last_rep = rep;
  return e;
}

FrameResult squat_frame(std::optional<ExerciseState> exercise) {
  FrameResult r;
  r.frame = 12;
  r.capture_unix_ms = 1'700'000'000'000;
  r.person = true;
  r.classification.decision = kTakeYourPose;
  r.exercise = std::move(exercise);
  return r;
}

TEST(FrameResultJson, CarriesTheExerciseWithItsLastRepRounded) {
  const json j = frame_result_json(squat_frame(squats_after_seven_reps()));
  ASSERT_TRUE(j.contains("exercise"));
  const json& e = j["exercise"];
  EXPECT_EQ(e["id"], "squat");
  EXPECT_EQ(e["name"], "Squat");
  EXPECT_EQ(e["reps"], 7);
  EXPECT_EQ(e["total_reps"], 17);
  EXPECT_EQ(e["partial_reps"], 2);
  EXPECT_EQ(e["set"], 2);
  EXPECT_EQ(e["phase"], "down");
  EXPECT_EQ(e["target_reps"], 10);
  EXPECT_DOUBLE_EQ(e["last_rep"]["range"].get<double>(), 0.83);
  EXPECT_DOUBLE_EQ(e["last_rep"]["tempo_down_s"].get<double>(), 1.23);
  EXPECT_DOUBLE_EQ(e["last_rep"]["tempo_up_s"].get<double>(), 0.88);
  EXPECT_EQ(e["last_rep"]["score"], 74);
  EXPECT_EQ(e["last_rep"]["cue"], "Hips down to knee height");
  EXPECT_EQ(e["last_rep"]["partial"], false);
}

TEST(FrameResultJson, LastRepIsNullBeforeTheFirstRepAndRestCountsSeconds) {
  ExerciseState e = squats_after_seven_reps();
  e.last_rep.reset();
  e.phase = "rest";
  e.rest_s = 12.345;
  const json j = frame_result_json(squat_frame(e));
  EXPECT_TRUE(j["exercise"]["last_rep"].is_null());
  EXPECT_DOUBLE_EQ(j["exercise"]["rest_s"].get<double>(), 12.3);
}

TEST(FrameResultJson, HasNoExerciseWhenNoneIsGoingOn) {
  EXPECT_FALSE(frame_result_json(squat_frame(std::nullopt)).contains("exercise"));
  EXPECT_FALSE(mqtt_result_json(squat_frame(std::nullopt), "dev1").contains("exercise"));
}

TEST(MqttResultJson, AnExerciseFollowsTheResultsSchema) {
  const json schema = testing::load_schema("mqtt-results.schema.json");
  const json with_rep = mqtt_result_json(squat_frame(squats_after_seven_reps()), "dev1");
  EXPECT_EQ(testing::schema_problems(with_rep, schema), "") << with_rep.dump();
  EXPECT_EQ(with_rep["exercise"], exercise_json(squats_after_seven_reps()));

  ExerciseState first = squats_after_seven_reps();
  first.last_rep.reset();
  const json before_first_rep = mqtt_result_json(squat_frame(first), "dev1");
  EXPECT_EQ(testing::schema_problems(before_first_rep, schema), "") << before_first_rep.dump();
}

TEST(MqttResultJson, TheSchemaRejectsABadExercise) {
  const json schema = testing::load_schema("mqtt-results.schema.json");
  json bad = mqtt_result_json(squat_frame(squats_after_seven_reps()), "dev1");
  bad["exercise"]["reps"] = -1;
  bad["exercise"]["last_rep"]["score"] = 140;
  bad["exercise"].erase("set");
  const std::string problems = testing::schema_problems(bad, schema);
  EXPECT_NE(problems.find("$.exercise.reps"), std::string::npos) << problems;
  EXPECT_NE(problems.find("$.exercise.last_rep.score"), std::string::npos) << problems;
  EXPECT_NE(problems.find("missing required \"set\""), std::string::npos) << problems;
}

TEST(FrameResultJson, CarriesTheGuidanceAndTheSetUpCheckOnlyWhenThereAreAny) {
  FrameResult r = squat_frame(std::nullopt);
  EXPECT_FALSE(frame_result_json(r).contains("guidance"));
  EXPECT_FALSE(frame_result_json(r).contains("setup_check"));
  r.guidance = Guidance{"step_back", "Step back so your feet are in view"};
  r.setup_check = true;
  const json j = frame_result_json(r);
  EXPECT_EQ(j["guidance"],
            json({{"code", "step_back"}, {"text", "Step back so your feet are in view"}}));
  EXPECT_EQ(j["setup_check"], true);
}

TEST(MqttResultJson, GuidanceAndPeopleFollowTheResultsSchema) {
  const json schema = testing::load_schema("mqtt-results.schema.json");
  FrameResult r = squat_frame(squats_after_seven_reps());
  r.guidance = Guidance{"turn_sideways", "Turn sideways: Push-up is judged from the side"};
  r.setup_check = true;
  const json mqtt = mqtt_result_json(r, "dev1");
  EXPECT_EQ(mqtt["guidance"]["code"], "turn_sideways");
  EXPECT_EQ(mqtt["setup_check"], true);
  EXPECT_EQ(testing::schema_problems(mqtt, schema), "") << mqtt.dump();

  // The fields every output shares (frame_result_json) hold to it too: people, primary_id, say.
  PersonResult p;
  p.id = 2;
  p.box = {0.1f, 0.2f, 0.3f, 0.6f};
  p.guidance = r.guidance;
  r.people = {p};
  r.primary_id = 2;
  r.say = "Turn sideways";
  json shared = frame_result_json(r);
  for (const char* key : {"guidance", "setup_check", "people", "primary_id", "say"})
    EXPECT_EQ(testing::schema_problems(shared[key], schema["properties"][key]), "")
        << key << ": " << shared[key].dump();

  json bad = mqtt;
  bad["guidance"] = {{"code", "jump"}};
  const std::string problems = testing::schema_problems(bad, schema);
  EXPECT_NE(problems.find("$.guidance.code"), std::string::npos) << problems;
  EXPECT_NE(problems.find("missing required \"text\""), std::string::npos) << problems;
}

TEST(PersonColour, SixDistinctColoursByIdThatTheJsonCarries) {
  std::set<std::string> seen;
  for (int id = 1; id <= kPersonColours; ++id) seen.insert(person_colour_hex(id));
  EXPECT_EQ(seen.size(), 6u);
  EXPECT_EQ(person_colour_hex(1), "#e69f00");
  EXPECT_EQ(person_colour_hex(7), person_colour_hex(1));  // ids past 6 take the colours again
  EXPECT_EQ(person_colour_hex(0), person_colour_hex(6));  // never out of the palette
  const Rgb sky = person_colour(2);
  EXPECT_EQ(sky.r, 86);
  EXPECT_EQ(sky.g, 180);
  EXPECT_EQ(sky.b, 233);

  PersonResult p;
  p.id = 2;
  const json j = person_json(p);
  EXPECT_EQ(j["colour"], "#56b4e9");
  const json schema = testing::load_schema("mqtt-results.schema.json");
  EXPECT_EQ(testing::schema_problems(j, schema["properties"]["people"]["items"]), "") << j.dump();
}

}  // namespace
}  // namespace posecast
