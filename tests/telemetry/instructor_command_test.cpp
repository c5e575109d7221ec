#include "posecast/instructor_command.h"

#include <gtest/gtest.h>

#include "telemetry/json_schema.h"

namespace posecast {
namespace {

TEST(InstructorCommand, ParsesEveryCommand) {
  auto target = parse_instructor_command(R"({"command":"target","pose":"tree","id":"7"})");
  ASSERT_TRUE(target.ok()) << target.error().message();
  EXPECT_EQ(target->kind, InstructorCommand::Kind::kTarget);
  EXPECT_EQ(target->value, "tree");
  EXPECT_EQ(target->id, "7");
  auto message = parse_instructor_command(R"({"command":"message","text":""})");
  ASSERT_TRUE(message.ok());
  EXPECT_EQ(message->kind, InstructorCommand::Kind::kMessage);
  auto stop = parse_instructor_command(R"({"command":"session","action":"stop"})");
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->kind, InstructorCommand::Kind::kSessionStop);
  auto model = parse_instructor_command(R"({"command":"model","model":"builtin"})");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(model->value, "builtin");
  auto link = parse_instructor_command(R"({"command":"viewer_link"})");
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(link->kind, InstructorCommand::Kind::kViewerLink);
  // Round trip through JSON, and the documented schema holds.
  const auto schema = testing::load_schema("mqtt-commands.schema.json");
  for (const auto& c :
       {target.value(), message.value(), stop.value(), model.value(), link.value()}) {
    nlohmann::json j = instructor_command_json(c);
    EXPECT_EQ(testing::schema_problems(j, schema), "") << j.dump();
    auto again = parse_instructor_command(j.dump());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->kind, c.kind);
    EXPECT_EQ(again->value, c.value);
  }
}

TEST(InstructorCommand, MalformedCommandsSayWhatIsWrong) {
  auto error = [](const char* payload) {
    auto c = parse_instructor_command(payload);
    EXPECT_FALSE(c.ok()) << payload;
    return c.ok() ? std::string() : c.error().message();
  };
  EXPECT_EQ(error("{\"command\":"), "command is not valid JSON");
  EXPECT_EQ(error("[1,2]"), "command must be a JSON object");
  EXPECT_EQ(error("{}"), "command needs a string field 'command'");
  EXPECT_EQ(error(R"({"command":"target"})"),
            "command needs a string field 'pose' (or 'exercise' for a rep exercise)");
  EXPECT_EQ(error(R"({"command":"target","pose":3})"), "field 'pose' must be a string");
  EXPECT_EQ(error(R"({"command":"session","action":"pause"})"),
            "field 'action' must be \"start\" or \"stop\", not \"pause\"");
  EXPECT_EQ(error(R"({"command":"model","model":""})"), "field 'model' must not be empty");
  EXPECT_NE(error(R"({"command":"dance"})").find("unknown command \"dance\""), std::string::npos);
  std::string long_text = R"({"command":"message","text":")" + std::string(201, 'a') + "\"}";
  EXPECT_EQ(error(long_text.c_str()), "field 'text' is longer than 200 characters");
}

TEST(InstructorCommand, AnExerciseTargetCarriesItsRepsAndFollowsTheSchema) {
  auto squats = parse_instructor_command(R"({"command":"target","exercise":"squat","reps":10})");
  ASSERT_TRUE(squats.ok()) << squats.error().message();
  EXPECT_EQ(squats->kind, InstructorCommand::Kind::kExerciseTarget);
  EXPECT_EQ(command_name(squats->kind), "target");
  EXPECT_EQ(squats->value, "squat");
  EXPECT_EQ(squats->reps, 10);
  auto no_reps = parse_instructor_command(R"({"command":"target","exercise":"pushup"})");
  ASSERT_TRUE(no_reps.ok());
  EXPECT_EQ(no_reps->reps, 0);
  // "" clears the exercise, as "" clears a pose.
  auto cleared = parse_instructor_command(R"({"command":"target","exercise":""})");
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->kind, InstructorCommand::Kind::kExerciseTarget);
  EXPECT_EQ(cleared->value, "");

  const auto schema = testing::load_schema("mqtt-commands.schema.json");
  for (const auto& c : {squats.value(), no_reps.value(), cleared.value()}) {
    nlohmann::json j = instructor_command_json(c);
    EXPECT_EQ(testing::schema_problems(j, schema), "") << j.dump();
    auto again = parse_instructor_command(j.dump());
    ASSERT_TRUE(again.ok()) << j.dump();
    EXPECT_EQ(again->kind, c.kind);
    EXPECT_EQ(again->value, c.value);
    EXPECT_EQ(again->reps, c.reps);
  }
  EXPECT_EQ(instructor_command_json(squats.value()),
            nlohmann::json::parse(R"({"command":"target","exercise":"squat","reps":10})"));
}

TEST(InstructorCommand, BadExerciseTargetsSayWhichField) {
  auto error = [](const char* payload) {
    auto c = parse_instructor_command(payload);
    EXPECT_FALSE(c.ok()) << payload;
    return c.ok() ? std::string() : c.error().message();
  };
  EXPECT_EQ(error(R"({"command":"target","exercise":"squat","reps":-1})"),
            "field 'reps' must be a whole number from 0 to 1000, not -1");
  EXPECT_EQ(error(R"({"command":"target","exercise":"squat","reps":2.5})"),
            "field 'reps' must be a whole number from 0 to 1000, not 2.5");
  EXPECT_EQ(error(R"({"command":"target","exercise":"squat","reps":"10"})"),
            "field 'reps' must be a whole number from 0 to 1000, not \"10\"");
  EXPECT_EQ(error(R"({"command":"target","exercise":"squat","reps":5000})"),
            "field 'reps' must be a whole number from 0 to 1000, not 5000");
  EXPECT_EQ(error(R"({"command":"target","exercise":7})"), "field 'exercise' must be a string");
  EXPECT_EQ(error(R"({"command":"target","pose":"tree","exercise":"squat"})"),
            "a target is a 'pose' or an 'exercise', not both");
  EXPECT_EQ(error(R"({"command":"target","pose":"tree","reps":3})"),
            "field 'reps' needs an 'exercise'");
  const std::string long_id = R"({"command":"target","exercise":")" + std::string(65, 'x') + "\"}";
  EXPECT_EQ(error(long_id.c_str()), "field 'exercise' is longer than 64 characters");
}

TEST(InstructorCommand, PersonPicksOneOrEveryoneOrAutomatic) {
  auto two = parse_instructor_command(R"({"command":"person","person":2,"id":"p"})");
  ASSERT_TRUE(two.ok()) << two.error().message();
  EXPECT_EQ(two->kind, InstructorCommand::Kind::kPerson);
  EXPECT_EQ(command_name(two->kind), "person");
  EXPECT_EQ(two->person, 2);
  EXPECT_FALSE(two->everyone);
  EXPECT_EQ(two->id, "p");
  auto all = parse_instructor_command(R"({"command":"person","person":"all"})");
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_TRUE(all->everyone);
  EXPECT_EQ(all->person, 0);
  auto automatic = parse_instructor_command(R"({"command":"person","person":0})");
  ASSERT_TRUE(automatic.ok());
  EXPECT_EQ(automatic->person, 0);
  EXPECT_FALSE(automatic->everyone);

  const auto schema = testing::load_schema("mqtt-commands.schema.json");
  for (const auto& c : {two.value(), all.value(), automatic.value()}) {
    const nlohmann::json j = instructor_command_json(c);
    EXPECT_EQ(testing::schema_problems(j, schema), "") << j.dump();
    auto again = parse_instructor_command(j.dump());
    ASSERT_TRUE(again.ok()) << j.dump();
    EXPECT_EQ(again->kind, c.kind);
    EXPECT_EQ(again->person, c.person);
    EXPECT_EQ(again->everyone, c.everyone);
  }
  EXPECT_EQ(instructor_command_json(all.value())["person"], "all");
  EXPECT_EQ(instructor_command_json(two.value())["person"], 2);
}

TEST(InstructorCommand, ABadPersonSaysWhatAPersonIs) {
  auto error = [](const char* payload) {
    auto c = parse_instructor_command(payload);
    EXPECT_FALSE(c.ok()) << payload;
    return c.ok() ? std::string() : c.error().message();
  };
  const std::string expected =
      "a person's id (1, 2, ... as in the results' \"people\"), 0 for automatic or \"all\" for "
      "everyone";
  EXPECT_EQ(error(R"({"command":"person"})"), "command needs a field 'person': " + expected);
  EXPECT_EQ(error(R"({"command":"person","person":-1})"),
            "field 'person' must be " + expected + ", not -1");
  EXPECT_EQ(error(R"({"command":"person","person":"everyone"})"),
            "field 'person' must be " + expected + ", not \"everyone\"");
  EXPECT_EQ(error(R"({"command":"person","person":1.5})"),
            "field 'person' must be " + expected + ", not 1.5");
  EXPECT_EQ(error(R"({"command":"person","person":null})"),
            "field 'person' must be " + expected + ", not null");
  EXPECT_EQ(error(R"({"command":"person","person":99999999999})"),
            "field 'person' must be " + expected + ", not 99999999999");
  EXPECT_NE(error(R"({"command":"dance"})").find("person, viewer_link)"), std::string::npos);

  // The viewer's POST /api/person body: the fields without "command", the same checks.
  auto body = parse_instructor_command("person", nlohmann::json{{"person", 3}});
  ASSERT_TRUE(body.ok()) << body.error().message();
  EXPECT_EQ(body->kind, InstructorCommand::Kind::kPerson);
  EXPECT_EQ(body->person, 3);
  auto bad_body = parse_instructor_command("person", nlohmann::json{{"person", "me"}});
  ASSERT_FALSE(bad_body.ok());
  EXPECT_EQ(bad_body.error().message(), "field 'person' must be " + expected + ", not \"me\"");
  EXPECT_FALSE(parse_instructor_command("person", nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace posecast
