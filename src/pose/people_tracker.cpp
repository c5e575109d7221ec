#include "posecast/people_tracker.h"

#include <algorithm>
#include <limits>
#include <opencv2/core.hpp>

#include "posecast/crop_region.h"
#include "posecast/multipose.h"

namespace posecast {

namespace {

constexpr float kSeenScore = 0.3f;

// Enough of a body to follow: five joints seen, the torso among them.
bool enough_body(const Pose& pose) {
  int seen = 0;
  for (const Keypoint& k : pose.keypoints) seen += k.score >= kSeenScore;
  return seen >= 5 && torso_visible(pose, kSeenScore);
}

float area(const CropRegion& b) {
  return std::max(0.0f, b.xmax - b.xmin) * std::max(0.0f, b.ymax - b.ymin);
}

struct Track {
  TrackedPerson person;
  double last_seen_s = 0;
};

}  // namespace

CropRegion pose_box(const Pose& pose, float min_score) {
  if (pose.image_width <= 0 || pose.image_height <= 0) return {0, 0, 0, 0};
  float xmin = std::numeric_limits<float>::max(), ymin = xmin;
  float xmax = std::numeric_limits<float>::lowest(), ymax = xmax;
  int seen = 0;
  for (const Keypoint& k : pose.keypoints) {
    if (k.score < min_score) continue;
    ++seen;
    xmin = std::min(xmin, k.x), xmax = std::max(xmax, k.x);
    ymin = std::min(ymin, k.y), ymax = std::max(ymax, k.y);
  }
  if (seen < 3) return {0, 0, 0, 0};
  const float w = static_cast<float>(pose.image_width), h = static_cast<float>(pose.image_height);
  return {std::clamp(ymin / h, 0.0f, 1.0f), std::clamp(xmin / w, 0.0f, 1.0f),
          std::clamp(ymax / h, 0.0f, 1.0f), std::clamp(xmax / w, 0.0f, 1.0f)};
}

float box_iou(const CropRegion& a, const CropRegion& b) {
  const CropRegion overlap{std::max(a.ymin, b.ymin), std::max(a.xmin, b.xmin),
                           std::min(a.ymax, b.ymax), std::min(a.xmax, b.xmax)};
  const float inter = area(overlap);
  const float uni = area(a) + area(b) - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

struct PeopleTracker::Impl {
  PeopleTrackerOptions options;
  MoveNet single;
  MultiPoseNet multi;
  std::vector<Track> tracks;
  int next_id = 1;
  double last_detect_s = -std::numeric_limits<double>::infinity();

  // Each followed person again, on a crop around where they were. A crop that found nobody, or
  // jumped onto someone already followed, leaves the person lost.
  Status follow(const cv::Mat& bgr, double t_s, bool& someone_lost) {
    for (Track& t : tracks) {
      if (!t.person.seen) continue;
      Result<Pose> pose = single.estimate(bgr, crop_around_body(t.person.pose));
      if (!pose) return pose.error();
      const CropRegion box = pose_box(*pose);
      const bool same = enough_body(*pose) && box_iou(box, t.person.box) > 0.1f;
      if (same) {
        t.person.pose = std::move(pose).value();
        t.person.box = box;
        t.last_seen_s = t_s;
      } else {
        t.person.seen = false;
        someone_lost = true;
      }
    }
    drop_duplicates();
    std::erase_if(tracks, [&](const Track& t) {
      return !t.person.seen && t_s - t.last_seen_s > options.keep_lost_s;
    });
    return Status::Ok();
  }

  // Two followed people whose crops converged on one body: the one followed longer keeps it.
  void drop_duplicates() {
    for (size_t a = 0; a < tracks.size(); ++a)
      for (size_t b = a + 1; b < tracks.size(); ++b)
        if (tracks[a].person.seen && tracks[b].person.seen &&
            box_iou(tracks[a].person.box, tracks[b].person.box) > options.same_person_iou)
          tracks[b].person.seen = false;
  }

  // MultiPose's people that nobody follows yet: a lost person found again keeps their id; a new
  // one gets the next id while there is room.
  Status detect(const cv::Mat& bgr, double t_s) {
    last_detect_s = t_s;
    auto found = multi.detect(bgr, options.min_detection_score);
    if (!found) return found.error();
    for (const PersonDetection& d : *found) {
      const CropRegion box = pose_box(d.pose);
      if (box.xmax <= box.xmin) continue;
      Track* best = nullptr;
      float best_iou = 0;
      for (Track& t : tracks) {
        const float iou = box_iou(box, t.person.box);
        if (iou > best_iou) best = &t, best_iou = iou;
      }
      if (best && best->person.seen && best_iou > options.same_person_iou) continue;
      if (best && !best->person.seen && best_iou > 0.2f) {
        if (Status s = start_following(bgr, d, t_s, best); !s.ok()) return s;
      } else if (static_cast<int>(tracks.size()) < options.max_people) {
        if (Status s = start_following(bgr, d, t_s, nullptr); !s.ok()) return s;
      }
    }
    drop_duplicates();
    return Status::Ok();
  }

  // Refines a detection with the single-pose model on a crop around it (the keypoints everything
  // downstream was tuned on) and follows it as `revived`, or as a new person.
  Status start_following(const cv::Mat& bgr, const PersonDetection& d, double t_s, Track* revived) {
    Result<Pose> pose = single.estimate(bgr, crop_around_body(d.pose));
    if (!pose) return pose.error();
    Pose chosen = enough_body(*pose) && box_iou(pose_box(*pose), pose_box(d.pose)) > 0.3f
                      ? std::move(pose).value()
                      : d.pose;
    if (!revived) {
      tracks.push_back({});
      revived = &tracks.back();
      revived->person.id = next_id++;
    }
    revived->person.box = pose_box(chosen);
    revived->person.pose = std::move(chosen);
    revived->person.seen = true;
    revived->last_seen_s = t_s;
    return Status::Ok();
  }
};

PeopleTracker::PeopleTracker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PeopleTracker::PeopleTracker(PeopleTracker&&) noexcept = default;
PeopleTracker& PeopleTracker::operator=(PeopleTracker&&) noexcept = default;
PeopleTracker::~PeopleTracker() = default;

Result<PeopleTracker> PeopleTracker::load(const MoveNetOptions& single_pose,
                                          PeopleTrackerOptions options) {
  auto single = MoveNet::load(single_pose);
  if (!single) return single.error();
  auto multi = MultiPoseNet::load(single_pose);
  if (!multi) return multi.error();
  auto impl = std::make_unique<Impl>(
      Impl{options, std::move(single).value(), std::move(multi).value(), {}, 1, {}});
  impl->last_detect_s = -std::numeric_limits<double>::infinity();
  return PeopleTracker(std::move(impl));
}

Result<std::vector<TrackedPerson>> PeopleTracker::track(const cv::Mat& bgr, double t_s) {
  if (bgr.empty() || bgr.type() != CV_8UC3)
    return Error("people tracker: expected a non-empty 8-bit BGR image (CV_8UC3)");
  Impl& i = *impl_;
  if (t_s < i.last_detect_s) reset();  // time went back: a new video
  bool someone_lost = false;
  if (Status s = i.follow(bgr, t_s, someone_lost); !s.ok()) return s.error();
  if (someone_lost || t_s - i.last_detect_s >= i.options.detect_every_s)
    if (Status s = i.detect(bgr, t_s); !s.ok()) return s.error();
  std::vector<TrackedPerson> out;
  for (const Track& t : i.tracks) out.push_back(t.person);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

void PeopleTracker::reset() {
  impl_->tracks.clear();
  impl_->last_detect_s = -std::numeric_limits<double>::infinity();
}

}  // namespace posecast
