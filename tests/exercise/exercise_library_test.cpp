// The exercise library loader: the shipped file loads, and bad input gets an error that names
// the file and the entry and field at fault.
#include "posecast/exercise_library.h"

#include <gtest/gtest.h>

#include <fstream>

namespace posecast {
namespace {

// A valid one-exercise library; `exercise_fields` replaces the fields after "name".
std::string library_text(
    const std::string& exercise_fields = R"("signal": "knee_angle", "top": 165, "bottom": 95)") {
  return R"({"version": 1, "exercises": [{"id": "squat", "name": "Squat", )" + exercise_fields +
         "}]}";
}

std::string error_of(const std::string& text) {
  auto lib = parse_exercise_library(text, "lib.json");
  return lib.ok() ? "" : lib.error().message();
}

TEST(ExerciseLibrary, TheShippedLibraryLoadsWithItsSevenExercises) {
  auto lib = load_exercise_library(default_exercise_library_path());
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  for (const char* id :
       {"squat", "pushup", "lunge", "jumping_jack", "situp", "glute_bridge", "lateral_raise"})
    EXPECT_NE(lib->find(id), nullptr) << id;
  const ExerciseEntry& squat = *lib->find("squat");
  EXPECT_EQ(squat.name, "Squat");
  EXPECT_EQ(squat.signal.signal, BodySignal::kKneeAngle);
  EXPECT_FALSE(squat.checks.empty());
  EXPECT_FALSE(squat.range_cue.empty());
  EXPECT_GT(lib->set_pause_s, 2);
}

TEST(ExerciseLibrary, AMinimalEntryTakesTheDefaults) {
  auto lib = parse_exercise_library(library_text(), "lib.json");
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  const ExerciseEntry& e = lib->exercises.at(0);
  EXPECT_FLOAT_EQ(e.top, 165);
  EXPECT_FLOAT_EQ(e.bottom, 95);
  EXPECT_FLOAT_EQ(e.full, 0.8f);
  EXPECT_EQ(e.signal.side, SideRule::kVisible);
}

TEST(ExerciseLibrary, SidedSignalsTakeMinOrMax) {
  auto lib = parse_exercise_library(
      library_text(R"("signal": "knee_angle.max", "top": 165, "bottom": 95)"), "lib.json");
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  EXPECT_EQ(lib->exercises[0].signal.side, SideRule::kMax);
  EXPECT_NE(error_of(library_text(R"("signal": "torso_lean.max", "top": 0, "bottom": 40)")), "");
}

TEST(ExerciseLibrary, MalformedJsonNamesTheFile) {
  EXPECT_EQ(error_of("{\"version\": 1, \"exercises\": ["), "lib.json: not valid JSON");
}

TEST(ExerciseLibrary, AnUnreadableFileNamesIt) {
  auto lib = load_exercise_library("/nonexistent/exercises.json");
  ASSERT_FALSE(lib.ok());
  EXPECT_NE(lib.error().message().find("/nonexistent/exercises.json"), std::string::npos);
}

TEST(ExerciseLibrary, AnUnknownSignalNamesTheEntryAndTheKnownOnes) {
  const std::string e =
      error_of(library_text(R"("signal": "knee_bend", "top": 165, "bottom": 95)"));
  EXPECT_NE(e.find("lib.json: exercises[0].signal: unknown signal \"knee_bend\""),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("knee_angle"), std::string::npos) << e;
}

TEST(ExerciseLibrary, BadThresholdsAreErrors) {
  const std::string base = R"("signal": "knee_angle", "top": 165, "bottom": 95, )";
  EXPECT_NE(error_of(library_text(base + R"("start": 0.5, "partial": 0.4, "full": 0.8)"))
                .find("exercises[0].full: thresholds must rise"),
            std::string::npos);
  EXPECT_NE(error_of(library_text(base + R"("start": 0.2, "hysteresis": 0.3)"))
                .find("exercises[0].hysteresis: must be below start"),
            std::string::npos);
  EXPECT_NE(error_of(library_text(R"("signal": "knee_angle", "top": 100, "bottom": 100)"))
                .find("exercises[0].bottom: equals top"),
            std::string::npos);
  EXPECT_NE(error_of(library_text(base + R"("full": "deep")")).find("expected a number"),
            std::string::npos);
  EXPECT_NE(error_of(library_text(base + R"("min_rep_s": 5, "max_rep_s": 2)"))
                .find("exercises[0].max_rep_s: must be above min_rep_s"),
            std::string::npos);
}

TEST(ExerciseLibrary, BadConditionsNameTheirPlace) {
  const std::string base = R"("signal": "knee_angle", "top": 165, "bottom": 95, )";
  EXPECT_EQ(error_of(library_text(base + R"("posture": [{"at": "top", "signal": "torso_lean"}])")),
            "lib.json: exercises[0].posture[0]: needs \"min\" or \"max\"");
  EXPECT_NE(
      error_of(
          library_text(base + R"("posture": [{"at": "middle", "signal": "torso_lean", "max": 3}])"))
          .find("exercises[0].posture[0].at: unknown value \"middle\""),
      std::string::npos);
  EXPECT_NE(
      error_of(
          library_text(base + R"("checks": [{"signal": "torso_lean", "max": 45, "view": "side"}])"))
          .find("exercises[0].checks[0].cue: missing required field"),
      std::string::npos);
}

TEST(ExerciseLibrary, EachExerciseSaysTheViewItIsJudgedFrom) {
  auto lib = load_exercise_library(default_exercise_library_path());
  ASSERT_TRUE(lib.ok()) << lib.error().message();
  EXPECT_EQ(lib->find("pushup")->view, ViewNeed::kSide);
  EXPECT_EQ(lib->find("jumping_jack")->view, ViewNeed::kFront);
  EXPECT_EQ(lib->find("squat")->view, ViewNeed::kAny);
  auto minimal = parse_exercise_library(library_text(), "lib.json");
  ASSERT_TRUE(minimal.ok()) << minimal.error().message();
  EXPECT_EQ(minimal->exercises[0].view, ViewNeed::kAny);  // the default
  auto side = parse_exercise_library(
      library_text(R"("view": "side", "signal": "knee_angle", "top": 165, "bottom": 95)"),
      "lib.json");
  ASSERT_TRUE(side.ok()) << side.error().message();
  EXPECT_EQ(side->exercises[0].view, ViewNeed::kSide);
  EXPECT_EQ(
      error_of(
          library_text(R"("view": "above", "signal": "knee_angle", "top": 165, "bottom": 95)")),
      "lib.json: exercises[0].view: unknown value \"above\" for exercise \"squat\" (known: any, "
      "front, side)");
}

TEST(ExerciseLibrary, UnknownFieldsAndDuplicateIdsAreErrors) {
  EXPECT_EQ(error_of(library_text(R"("signal": "knee_angle", "top": 165, "bottm": 95)")),
            "lib.json: exercises[0].bottom: missing required field");
  EXPECT_EQ(error_of(library_text(R"("signal": "knee_angle", "top": 165, "bottom": 95, "x": 1)")),
            "lib.json: exercises[0].x: unknown field");
  const std::string twice =
      R"({"version": 1, "exercises": [
        {"id": "squat", "name": "Squat", "signal": "knee_angle", "top": 165, "bottom": 95},
        {"id": "squat", "name": "Squat 2", "signal": "knee_angle", "top": 165, "bottom": 95}]})";
  EXPECT_EQ(error_of(twice), "lib.json: exercises[1].id: duplicate id \"squat\"");
  EXPECT_EQ(error_of(R"({"version": 2, "exercises": []})"),
            "lib.json: version: value 2 is outside [1, 1]");
  EXPECT_EQ(error_of(R"({"version": 1, "exercises": []})"),
            "lib.json: exercises: expected a non-empty array");
}

}  // namespace
}  // namespace posecast
