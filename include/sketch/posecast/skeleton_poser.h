// A 2-D stick-figure poser: segment directions -> the 17 COCO keypoints MoveNet would report.
// Used to synthesise bodies for tests, synthetic training data and library entries.
#pragma once

#include "posecast/keypoints.h"

namespace posecast {

// Segment directions in degrees in the image plane: 0 = pointing down (+y), 90 = toward the
// image's right (+x), 180 = up, 270 (or -90) = toward the image's left.
struct SkeletonAngles {
  float torso = 180;  // hip centre -> shoulder centre
  // Turn of the body about the vertical: 0 = facing the camera (the person's left on the image's
  // right), +90 = facing the image's right, -90 = facing its left. Shrinks shoulder and hip width
  // by cos(yaw) and turns the face.
  float yaw = 0;
  float left_upper_arm = 0;  // shoulder -> elbow
  float left_forearm = 0;    // elbow -> wrist
  float right_upper_arm = 0;
  float right_forearm = 0;
  float left_thigh = 0;  // hip -> knee
  float left_shin = 0;   // knee -> ankle
  float right_thigh = 0;
  float right_shin = 0;
};

// Segment lengths in torso lengths (hip centre to shoulder centre).
struct BodyProportions {
  float shoulder_width = 0.75f;
  float hip_width = 0.5f;
  float upper_arm = 0.6f;
  float forearm = 0.55f;
  float thigh = 0.9f;
  float shin = 0.85f;
  float neck = 0.45f;  // shoulder centre -> centre of the head
};

struct SkeletonPlacement {
  float hip_x = 320;  // hip centre, image pixels
  float hip_y = 260;
  float torso_px = 100;
  int image_width = 640;
  int image_height = 480;
  float score = 0.9f;  // every keypoint's score
};

Pose pose_skeleton(const SkeletonAngles& angles, const SkeletonPlacement& placement = {},
                   const BodyProportions& body = {});

// Direction of a child segment from its parent's direction and the joint's interior angle
// (180 = straight on), turning toward larger (toward = +1) or smaller (-1) directions.
float bend(float parent_direction, float joint_angle, int toward);

}  // namespace posecast
