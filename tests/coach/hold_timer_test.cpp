#include "posecast/hold_timer.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

TEST(HoldTimer, CountsSecondsInThePose) {
  HoldTimer t;
  EXPECT_FLOAT_EQ(t.update("take_your_pose", 0.0), 0.0f);
  EXPECT_FLOAT_EQ(t.update("tree", 1.0), 0.0f);
  EXPECT_FLOAT_EQ(t.update("tree", 2.5), 1.5f);
  EXPECT_FLOAT_EQ(t.update("tree", 4.0), 3.0f);
  EXPECT_EQ(t.pose(), "tree");
  EXPECT_FLOAT_EQ(t.held_s(), 3.0f);
}

TEST(HoldTimer, AShortStumbleKeepsCounting) {
  HoldTimer t(0.5f);
  t.update("tree", 0.0);
  t.update("tree", 2.0);
  EXPECT_FLOAT_EQ(t.update("take_your_pose", 2.2), 2.0f);  // paused, not lost
  EXPECT_FLOAT_EQ(t.update("tree", 2.4), 2.4f);
}

TEST(HoldTimer, ALongBreakStartsOver) {
  HoldTimer t(0.5f);
  t.update("tree", 0.0);
  t.update("tree", 2.0);
  EXPECT_FLOAT_EQ(t.update("take_your_pose", 2.6), 0.0f);
  EXPECT_EQ(t.pose(), "");
  EXPECT_FLOAT_EQ(t.update("tree", 3.0), 0.0f);
  EXPECT_FLOAT_EQ(t.update("tree", 4.0), 1.0f);
}

TEST(HoldTimer, ANewPoseStartsFromZero) {
  HoldTimer t;
  t.update("tree", 0.0);
  t.update("tree", 5.0);
  EXPECT_FLOAT_EQ(t.update("mountain", 5.1), 0.0f);
  EXPECT_EQ(t.pose(), "mountain");
  EXPECT_FLOAT_EQ(t.update("mountain", 6.1), 1.0f);
  t.reset();
  EXPECT_FLOAT_EQ(t.held_s(), 0.0f);
  EXPECT_EQ(t.pose(), "");
}

}  // namespace
}  // namespace posecast
