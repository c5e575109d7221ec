#include "posecast/frame_result.h"

#include <cmath>

#include "posecast/person_colour.h"

namespace posecast {

using nlohmann::json;

namespace {
// Divides by the integer 1/step so the result is the double nearest the decimal (0.982, not
// 0.9820000000000001) and JSON prints it short.
double round_to(double v, double step) {
  const double per_unit = std::round(1 / step);
  return std::round(v * per_unit) / per_unit;
}
}  // namespace

json keypoints_json(const Pose& pose) {
  json kps = json::array();
  for (int i = 0; i < kNumJoints; ++i) {
    const Keypoint& k = pose.keypoints[i];
    kps.push_back({{"name", joint_name(static_cast<Joint>(i))},
                   {"x", round_to(k.x, 0.01)},
                   {"y", round_to(k.y, 0.01)},
                   {"score", round_to(k.score, 0.0001)}});
  }
  return kps;
}

json classification_json(const Pose& pose, const Classification& c,
                         const std::optional<CoachReport>& coach, size_t top_k) {
  json top = json::array();
  for (size_t i = 0; i < c.top.size() && (top_k == 0 || i < top_k); ++i)
    top.push_back({{"label", c.top[i].label}, {"prob", round_to(c.top[i].prob, 0.0001)}});
  json corrections = json::array();
  if (coach)
    for (const auto& k : coach->corrections)
      corrections.push_back({{"text", k.text},
                             {"cue", k.cue},
                             {"joint", k.joint},
                             {"measured_deg", round_to(k.measured_deg, 0.1)},
                             {"target_deg", round_to(k.target_deg, 0.1)}});
  json j = {{"decision", c.decision}, {"top", top}, {"none_prob", round_to(c.none_prob, 0.0001)}};
  if (!c.variant.empty()) j["variant"] = c.variant;
  if (!c.reason.empty()) j["reason"] = c.reason;
  j["score"] = coach ? json(coach->score) : json(nullptr);
  if (coach) j["coached_pose"] = coach->pose;
  j["corrections"] = corrections;
  j["keypoints"] = keypoints_json(pose);
  return j;
}

json exercise_json(const ExerciseState& e) {
  json j = {{"id", e.id},
            {"name", e.name},
            {"reps", e.reps},
            {"total_reps", e.total_reps},
            {"partial_reps", e.partial_reps},
            {"set", e.set},
            {"phase", e.phase},
            {"rest_s", round_to(e.rest_s, 0.1)},
            {"target_reps", e.target_reps},
            {"last_rep", nullptr}};
  if (const auto& rep = e.last_rep)
    j["last_rep"] = {{"range", round_to(rep->range, 0.01)},
                     {"tempo_down_s", round_to(rep->tempo_down_s, 0.01)},
                     {"tempo_up_s", round_to(rep->tempo_up_s, 0.01)},
                     {"score", rep->score},
                     {"cue", rep->cue},
                     {"partial", rep->partial}};
  return j;
}

json guidance_json(const Guidance& g) { return {{"code", g.code}, {"text", g.text}}; }

json person_json(const PersonResult& p, size_t top_k) {
  json full = classification_json(p.pose, p.classification, p.coach, top_k);
  json j = {{"id", p.id},
            {"colour", person_colour_hex(p.id)},
            {"box",
             {round_to(p.box.x, 0.0001), round_to(p.box.y, 0.0001), round_to(p.box.width, 0.0001),
              round_to(p.box.height, 0.0001)}},
            {"decision", full["decision"]},
            {"label", p.label.empty() ? display_label(p.classification) : p.label},
            {"top", full["top"]},
            {"score", full["score"]},
            {"hold_s", round_to(p.hold_s, 0.1)},
            {"corrections", full["corrections"]},
            {"exercise", p.exercise ? exercise_json(*p.exercise) : json(nullptr)},
            {"guidance", p.guidance ? guidance_json(*p.guidance) : json(nullptr)}};
  return j;
}

json frame_result_json(const FrameResult& r, size_t top_k) {
  json j = classification_json(r.pose, r.classification, r.coach, top_k);
  j["frame"] = r.frame;
  j["capture_ms"] = r.capture_unix_ms;
  j["fps"] = round_to(r.fps, 0.1);
  j["hold_s"] = round_to(r.hold_s, 0.1);
  j["person"] = r.person;
  if (r.source_lost) j["source_lost"] = true;
  j["label"] = r.label.empty() ? display_label(r.classification) : r.label;
  if (!r.target.empty()) j["target"] = r.target;
  if (!r.message.empty()) j["message"] = r.message;
  if (r.exercise) j["exercise"] = exercise_json(*r.exercise);
  if (r.guidance) j["guidance"] = guidance_json(*r.guidance);
  if (r.setup_check) j["setup_check"] = true;
  json people = json::array();
  for (const PersonResult& p : r.people) people.push_back(person_json(p, top_k));
  j["people"] = std::move(people);
  if (r.primary_id > 0) j["primary_id"] = r.primary_id;
  if (!r.say.empty()) j["say"] = r.say;
  j["stage_ms"] = {{"pose", round_to(r.times.pose_ms, 0.01)},
                   {"classify", round_to(r.times.classify_ms, 0.01)},
                   {"render", round_to(r.times.render_ms, 0.01)},
                   {"encode", round_to(r.times.encode_ms, 0.01)}};
  if (r.times.segment_ms > 0) j["stage_ms"]["segment"] = round_to(r.times.segment_ms, 0.01);
  return j;
}

std::string display_label(const Classification& c, std::string_view display_name) {
  if (c.decision.empty() || c.decision == kTakeYourPose) return "Take your pose";
  float prob = 0;
  for (const auto& p : c.top)
    if (p.label == c.decision) prob = p.prob;
  std::string name = display_name.empty() ? c.decision : std::string(display_name);
  if (display_name.empty())
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
  return name + " " + std::to_string(static_cast<int>(std::lround(prob * 100))) + " %";
}

}  // namespace posecast
