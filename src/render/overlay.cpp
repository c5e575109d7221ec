#include "posecast/overlay.h"

#include <algorithm>
#include <cstdio>
#include <opencv2/imgproc.hpp>

#include "posecast/features.h"
#include "posecast/person_colour.h"

namespace posecast {

namespace {

constexpr std::pair<Joint, Joint> kBones[] = {
    {Joint::kLeftShoulder, Joint::kRightShoulder},
    {Joint::kLeftHip, Joint::kRightHip},
    {Joint::kLeftShoulder, Joint::kLeftHip},
    {Joint::kRightShoulder, Joint::kRightHip},
    {Joint::kLeftShoulder, Joint::kLeftElbow},
    {Joint::kLeftElbow, Joint::kLeftWrist},
    {Joint::kRightShoulder, Joint::kRightElbow},
    {Joint::kRightElbow, Joint::kRightWrist},
    {Joint::kLeftHip, Joint::kLeftKnee},
    {Joint::kLeftKnee, Joint::kLeftAnkle},
    {Joint::kRightHip, Joint::kRightKnee},
    {Joint::kRightKnee, Joint::kRightAnkle},
    {Joint::kNose, Joint::kLeftEye},
    {Joint::kNose, Joint::kRightEye},
    {Joint::kLeftEye, Joint::kLeftEar},
    {Joint::kRightEye, Joint::kRightEar},
};

const cv::Scalar kLeft(255, 170, 40), kRight(40, 170, 255), kCentre(230, 230, 230);
const cv::Scalar kWhite(255, 255, 255), kAmber(0, 200, 255), kGreen(90, 220, 90), kRed(60, 60, 235);

bool is_left(Joint j) { return static_cast<int>(j) % 2 == 1; }
cv::Scalar side_colour(Joint a, Joint b) {
  if (a == Joint::kNose || b == Joint::kNose) return kCentre;
  if (is_left(a) && is_left(b)) return kLeft;
  if (!is_left(a) && !is_left(b)) return kRight;
  return kCentre;
}

// The keypoint to ring for a correction of a library angle: the joint it bends at.
std::optional<Joint> joint_of(const std::string& angle) {
  auto a = angle_from_name(angle);
  if (!a) return std::nullopt;
  std::vector<Joint> joints = angle_joints(*a);
  if (joints.empty()) return std::nullopt;
  return joints[joints.size() / 2];
}

void text(cv::Mat& m, const std::string& s, cv::Point at, double scale, const cv::Scalar& colour,
          int thickness) {
  cv::putText(m, s, at, cv::FONT_HERSHEY_DUPLEX, scale, cv::Scalar(0, 0, 0), thickness + 2,
              cv::LINE_AA);
  cv::putText(m, s, at, cv::FONT_HERSHEY_DUPLEX, scale, colour, thickness, cv::LINE_AA);
}

void band(cv::Mat& m, cv::Rect r, float opacity) {
  r &= cv::Rect(0, 0, m.cols, m.rows);
  if (r.area() <= 0) return;
  cv::Mat roi = m(r);
  cv::Mat dark(roi.size(), roi.type(), cv::Scalar(25, 25, 25));
  cv::addWeighted(dark, opacity, roi, 1.0 - opacity, 0, roi);
}

// `s` in at most `max_width` pixels at `scale`: the scale shrinks to `min_scale`, then the text
// is cut with "...".
std::string fit_text(const std::string& s, int max_width, double& scale, double min_scale,
                     int thickness) {
  auto width = [&](const std::string& t, double sc) {
    return cv::getTextSize(t, cv::FONT_HERSHEY_DUPLEX, sc, thickness, nullptr).width;
  };
  const int w = width(s, scale);
  if (w <= max_width || w == 0) return s;
  scale = std::max(min_scale, scale * max_width / w);
  if (width(s, scale) <= max_width) return s;
  std::string cut = s;
  while (!cut.empty() && width(cut + "...", scale) > max_width) cut.pop_back();
  return cut + "...";
}

std::string rest_clock(double seconds) {
  const int total = static_cast<int>(std::max(0.0, seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, "Rest %d:%02d", total / 60, total % 60);
  return buf;
}

// The rep counter, right-aligned below the bands from `top`: the exercise and set, the count
// big enough to read from 2 m on a 480p frame (digits ~12 % of the frame's height), and the rest
// clock between sets.
void draw_rep_counter(cv::Mat& m, const ExerciseState& e, double s, int top, float opacity) {
  const int pad = int(10 * s);
  const std::string count =
      std::to_string(e.reps) + (e.target_reps > 0 ? "/" + std::to_string(e.target_reps) : "");
  double name_scale = 0.65 * s, rest_scale = 0.9 * s;
  const double count_scale = 2.6 * s;
  const int count_thickness = std::max(2, int(4 * s));
  const cv::Size count_size =
      cv::getTextSize(count, cv::FONT_HERSHEY_DUPLEX, count_scale, count_thickness, nullptr);
  const std::string name =
      fit_text(ascii_for_overlay(e.name.empty() ? e.id : e.name) + "  set " + std::to_string(e.set),
               std::max(count_size.width, m.cols / 2), name_scale, 0.4 * s, 1);
  const bool resting = e.phase == "rest";
  const std::string rest = resting ? rest_clock(e.rest_s) : "";
  const int name_h = int(26 * s), rest_h = resting ? int(36 * s) : 0;
  int width = count_size.width;
  width =
      std::max(width, cv::getTextSize(name, cv::FONT_HERSHEY_DUPLEX, name_scale, 1, nullptr).width);
  if (resting)
    width = std::max(width,
                     cv::getTextSize(rest, cv::FONT_HERSHEY_DUPLEX, rest_scale, 1, nullptr).width);
  const cv::Rect panel(m.cols - width - 3 * pad, top, width + 2 * pad,
                       name_h + count_size.height + pad + rest_h + pad);
  band(m, panel, opacity);
  const int x = panel.x + pad;
  text(m, name, {x, top + int(20 * s)}, name_scale, kWhite, 1);
  const bool reached = e.target_reps > 0 && e.reps >= e.target_reps;
  text(m, count, {x, top + name_h + count_size.height + pad / 2}, count_scale,
       reached ? kGreen : kWhite, count_thickness);
  if (resting)
    text(m, rest, {x, panel.y + panel.height - pad}, rest_scale, kAmber, std::max(1, int(2 * s)));
}

// The last rep's cue in a band above the message band: "Rep 7: Hips down to knee height", or
// "Rep 7: good (92)" for a rep without one.
void draw_rep_cue(cv::Mat& m, const RepRecord& rep, double s, int bottom, float opacity) {
  std::string line = rep.partial ? "Partial rep" : "Rep " + std::to_string(rep.number);
  line += rep.cue.empty() ? ": good (" + std::to_string(rep.score) + ")"
                          : ": " + ascii_for_overlay(rep.cue);
  const int h = int(36 * s);
  band(m, {0, bottom - h, m.cols, h}, opacity);
  double scale = 0.75 * s;
  line = fit_text(line, m.cols - int(24 * s), scale, 0.4 * s, 1);
  const bool good = rep.cue.empty() && !rep.partial;
  text(m, line, {int(12 * s), bottom - int(11 * s)}, scale, good ? kGreen : kAmber, 1);
}

// A tick drawn with lines (Hershey fonts have no "✓"), `h` pixels high, its foot at `at`.
void draw_tick(cv::Mat& m, cv::Point at, int h, const cv::Scalar& colour, int thickness) {
  const cv::Point left(at.x - h / 3, at.y - h / 3), right(at.x + h / 2, at.y - h);
  for (const cv::Scalar& c : {cv::Scalar(0, 0, 0), colour}) {
    const int t = c == colour ? thickness : thickness + 2;
    cv::line(m, left, at, c, t, cv::LINE_AA);
    cv::line(m, at, right, c, t, cv::LINE_AA);
  }
}

// What the student should do to be seen well, in a band above the bands at the bottom (`bottom`),
// big enough to read from 2 m; during the set-up check it starts "Set-up check:", and with
// nothing to fix says so with a green tick.
void draw_guidance(cv::Mat& m, const FrameResult& r, double s, int bottom, float opacity) {
  if (!r.guidance && !r.setup_check) return;
  std::string line = r.guidance ? ascii_for_overlay(r.guidance->text) : "Whole body in view";
  if (r.setup_check) line = "Set-up check: " + line;
  const int h = int(44 * s), pad = int(12 * s), thickness = std::max(1, int(2 * s));
  band(m, {0, bottom - h, m.cols, h}, opacity);
  const bool ok = !r.guidance;
  const int tick_w = ok ? int(30 * s) : 0;
  double scale = 0.85 * s;
  line = fit_text(line, m.cols - 2 * pad - tick_w, scale, 0.45 * s, thickness);
  const cv::Scalar colour = ok ? kGreen : kAmber;
  text(m, line, {pad, bottom - int(14 * s)}, scale, colour, thickness);
  if (ok) {
    const int w = cv::getTextSize(line, cv::FONT_HERSHEY_DUPLEX, scale, thickness, nullptr).width;
    draw_tick(m, {pad + w + int(14 * s), bottom - int(14 * s)}, int(22 * s), colour, thickness);
  }
}

void draw_guide_box(cv::Mat& m, const FrameResult& r, const OverlayOptions& o, double s) {
  if (r.guide_box) {  // what an image classifier looks at: the student stands inside it
    cv::rectangle(m, *r.guide_box, kAmber, std::max(1, int(2 * s)), cv::LINE_AA);
  } else if (o.guide_box > 0) {
    cv::Rect box((m.cols - o.guide_box) / 2, (m.rows - o.guide_box) / 2, o.guide_box, o.guide_box);
    cv::rectangle(m, box, kAmber, std::max(1, int(2 * s)), cv::LINE_AA);
  }
}

cv::Scalar bgr(Rgb c) { return cv::Scalar(c.b, c.g, c.r); }

// One body: its bones in `colour`, or with none (one person) the left side blue and the right
// orange; white joints; the joint of the top correction ringed in red.
void draw_body(cv::Mat& m, const Pose& p, const std::optional<CoachReport>& coach,
               const std::optional<cv::Scalar>& colour, float min_score, double s) {
  auto at = [&](Joint j) { return cv::Point2f(p[j].x, p[j].y); };
  auto seen = [&](Joint j) { return p[j].score >= min_score; };
  for (auto [a, b] : kBones)
    if (seen(a) && seen(b))
      cv::line(m, at(a), at(b), colour ? *colour : side_colour(a, b), std::max(2, int(3 * s)),
               cv::LINE_AA);
  for (int i = 0; i < kNumJoints; ++i) {
    Joint j = static_cast<Joint>(i);
    if (seen(j)) cv::circle(m, at(j), std::max(2, int(4 * s)), kWhite, -1, cv::LINE_AA);
  }
  if (coach && !coach->corrections.empty())
    if (auto j = joint_of(coach->corrections.front().joint); j && seen(*j))
      cv::circle(m, at(*j), int(14 * s), kRed, std::max(2, int(3 * s)), cv::LINE_AA);
}

// The top band: the label, big, with fps and hold time; under it, with a coach report, the form
// score against the pose being coached and the most useful correction. Returns their height.
int draw_top_bands(cv::Mat& m, const FrameResult& r, const OverlayOptions& o, double s) {
  const int band_h = int(56 * s);
  band(m, {0, 0, m.cols, band_h}, o.band_opacity);
  const bool confirmed =
      r.classification.decision != kTakeYourPose && !r.classification.decision.empty();
  const std::string label = r.label.empty() ? display_label(r.classification) : r.label;
  text(m, label, {int(12 * s), int(40 * s)}, 1.1 * s, confirmed ? kGreen : kWhite,
       std::max(1, int(2 * s)));
  char buf[64];
  int x_right = m.cols - int(12 * s);
  if (o.show_fps) {
    std::snprintf(buf, sizeof buf, "%.0f fps", r.fps);
    int w = cv::getTextSize(buf, cv::FONT_HERSHEY_DUPLEX, 0.5 * s, 1, nullptr).width;
    text(m, buf, {x_right - w, int(20 * s)}, 0.5 * s, kWhite, 1);
  }
  if (confirmed && r.hold_s > 0) {
    std::snprintf(buf, sizeof buf, "held %.1f s", r.hold_s);
    int w = cv::getTextSize(buf, cv::FONT_HERSHEY_DUPLEX, 0.6 * s, 1, nullptr).width;
    text(m, buf, {x_right - w, int(46 * s)}, 0.6 * s, kWhite, 1);
  }
  if (!r.coach) return band_h;
  const int h = int(34 * s);
  band(m, {0, band_h, m.cols, h}, o.band_opacity);
  std::string line = "Form " + std::to_string(r.coach->score) + "/100";
  if (!r.target.empty())
    line = "Target " + ascii_for_overlay(r.target_name.empty() ? r.target : r.target_name) + ": " +
           line;
  if (!r.coach->corrections.empty())
    line += "   " + ascii_for_overlay(r.coach->corrections.front().text);
  text(m, line, {int(12 * s), band_h + int(24 * s)}, 0.6 * s,
       r.coach->score >= 80 ? kGreen : kAmber, 1);
  return band_h + h;
}

// Who is who among several: "2 Tree 87 %", or during a rep exercise "2 Squat 7" ("7/10" with a
// target); the id alone while they take no pose.
std::string person_tag(const PersonResult& p) {
  std::string tag = std::to_string(p.id);
  if (const auto& e = p.exercise) {
    tag += " " + (e->name.empty() ? e->id : e->name) + " " + std::to_string(e->reps);
    if (e->target_reps > 0) tag += "/" + std::to_string(e->target_reps);
  } else if (!p.classification.decision.empty() && p.classification.decision != kTakeYourPose) {
    tag += " " + (p.label.empty() ? display_label(p.classification) : p.label);
  }
  return ascii_for_overlay(tag);
}

// The tag in the person's colour on a dark band just above their box (framed in white for the
// primary person), kept inside the frame and below the bands at the top (`top`).
void draw_person_tag(cv::Mat& m, const PersonResult& p, bool primary, double s, int top,
                     float opacity) {
  const int pad = std::max(2, int(5 * s)), thickness = std::max(1, int(1.5 * s));
  double scale = 0.65 * s;
  const std::string tag = fit_text(person_tag(p), m.cols / 3, scale, 0.4 * s, thickness);
  const cv::Size size = cv::getTextSize(tag, cv::FONT_HERSHEY_DUPLEX, scale, thickness, nullptr);
  const int w = size.width + 2 * pad, h = size.height + 2 * pad;
  const int lowest = std::max(0, m.rows - h);
  const int x =
      std::clamp(int((p.box.x + p.box.width / 2) * m.cols) - w / 2, 0, std::max(0, m.cols - w));
  const int y = std::clamp(int(p.box.y * m.rows) - h - pad, std::min(top, lowest), lowest);
  band(m, {x, y, w, h}, opacity);
  if (primary) cv::rectangle(m, cv::Rect(x, y, w, h), kWhite, 1);
  text(m, tag, {x + pad, y + h - pad}, scale, bgr(person_colour(p.id)), thickness);
}
}  // namespace

std::string ascii_for_overlay(const std::string& in) {
  std::string out;
  bool had_degree = false;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in.compare(i, 2, "\u00b0") == 0) {  // °
      had_degree = true;
      i += 1;
      continue;
    }
    if (in.compare(i, 3, "\u2192") == 0) {  // →
      out += "->";
      i += 2;
      continue;
    }
    out += in[i];
  }
  return had_degree ? out + " deg" : out;
}

void draw_overlay(cv::Mat& m, const FrameResult& r, const OverlayOptions& o) {
  const double s = std::max(0.5, m.rows / 480.0);  // scale with the frame
  draw_guide_box(m, r, o, s);
  // Several people: each in their own colour with a tag; one: left and right sides told apart.
  const bool several = r.people.size() > 1;
  if (several) {
    for (const PersonResult& p : r.people)
      draw_body(m, p.pose, p.coach, bgr(person_colour(p.id)), o.min_keypoint_score, s);
  } else if (r.person) {
    draw_body(m, r.pose, r.coach, std::nullopt, o.min_keypoint_score, s);
  }
  const int bands_bottom = draw_top_bands(m, r, o, s);
  if (several)
    for (const PersonResult& p : r.people)
      draw_person_tag(m, p, p.id == r.primary_id, s, bands_bottom + int(4 * s), o.band_opacity);

  // Bottom band: the instructor's message.
  const int message_h = r.message.empty() ? 0 : int(36 * s);
  if (!r.message.empty()) {
    band(m, {0, m.rows - message_h, m.cols, message_h}, o.band_opacity);
    text(m, ascii_for_overlay(r.message), {int(12 * s), m.rows - int(11 * s)}, 0.65 * s, kAmber, 1);
  }

  const bool rep_cue = r.exercise && r.exercise->last_rep;
  if (r.exercise) {
    draw_rep_counter(m, *r.exercise, s, bands_bottom + int(8 * s), o.band_opacity);
    if (rep_cue) draw_rep_cue(m, *r.exercise->last_rep, s, m.rows - message_h, o.band_opacity);
  }
  draw_guidance(m, r, s, m.rows - message_h - (rep_cue ? int(36 * s) : 0), o.band_opacity);
}

}  // namespace posecast

namespace posecast {

void draw_source_lost(cv::Mat& m, const std::string& source) {
  if (m.empty()) m = cv::Mat(480, 640, CV_8UC3, cv::Scalar(24, 20, 16));
  m *= 0.45;  // dimmed: clearly not live any more
  const double s = m.cols / 640.0;
  const cv::Scalar amber(75, 184, 242);
  const std::string title = "Camera lost - reconnecting...";
  const int title_w = cv::getTextSize(title, cv::FONT_HERSHEY_DUPLEX, 1.0 * s, 2, nullptr).width;
  const cv::Point at((m.cols - title_w) / 2, m.rows / 2);
  cv::putText(m, title, at, cv::FONT_HERSHEY_DUPLEX, 1.0 * s, cv::Scalar(0, 0, 0), 4, cv::LINE_AA);
  cv::putText(m, title, at, cv::FONT_HERSHEY_DUPLEX, 1.0 * s, amber, 2, cv::LINE_AA);
  const int source_w = cv::getTextSize(source, cv::FONT_HERSHEY_DUPLEX, 0.5 * s, 1, nullptr).width;
  cv::putText(m, source, cv::Point((m.cols - source_w) / 2, at.y + int(32 * s)),
              cv::FONT_HERSHEY_DUPLEX, 0.5 * s, cv::Scalar(220, 220, 220), 1, cv::LINE_AA);
}

}  // namespace posecast
