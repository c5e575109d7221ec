// FrameAnalyzer::create checks its exercise library before loading any model.
#include "posecast/frame_analyzer.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

TEST(FrameAnalyzer, AnUnreadableExerciseLibraryIsAnErrorNamingTheFile) {
  FrameAnalyzerOptions options;
  options.exercise_library = "/nonexistent/exercises.json";
  auto analyzer = FrameAnalyzer::create(options, PoseLibrary{});
  ASSERT_FALSE(analyzer.ok());
  EXPECT_NE(analyzer.error().message().find("/nonexistent/exercises.json"), std::string::npos)
      << analyzer.error().message();
}

}  // namespace
}  // namespace posecast
