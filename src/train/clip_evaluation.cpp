#include "posecast/clip_evaluation.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace posecast {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (;;) {
    const size_t tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

std::optional<double> parse_seconds(const std::string& text) {
  try {
    size_t used = 0;
    const double v = std::stod(text, &used);
    if (used != text.size() || !std::isfinite(v) || v < 0) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The segment that holds time t (the last one also holds its end), or nullptr.
const LabelSegment* segment_at(const std::vector<LabelSegment>& labels, double t) {
  for (const auto& s : labels)
    if (t >= s.start_s && (t < s.end_s || (&s == &labels.back() && t <= s.end_s))) return &s;
  return nullptr;
}

// `reps=N` at the start of a segment's notes; nullopt without, an Error when N is no count.
Result<std::optional<int>> parse_reps(const std::string& notes) {
  constexpr std::string_view kKey = "reps=";
  if (notes.rfind(kKey, 0) != 0) return std::optional<int>();
  const size_t end = notes.find(';');
  const std::string count =
      notes.substr(kKey.size(), end == std::string::npos ? std::string::npos : end - kKey.size());
  try {
    size_t used = 0;
    const int n = std::stoi(count, &used);
    if (used == count.size() && n >= 0) return std::optional<int>(n);
  } catch (const std::exception&) {
  }
  return Error("reps= must be a count (e.g. reps=8), got '" + count + "'");
}

// Divides by the integer 1/step so that JSON prints 0.842, not 0.8420000000000001.
double round_to(double v, double step) {
  const double per_unit = std::round(1 / step);
  return std::round(v * per_unit) / per_unit;
}

}  // namespace

bool ClipEvaluationOptions::is_pose_decision(const std::string& decision) const {
  return !decision.empty() && decision != "take_your_pose";
}

Result<std::vector<LabelSegment>> parse_clip_labels(const std::string& text,
                                                    const std::string& name) {
  std::vector<LabelSegment> segments;
  std::istringstream in(text);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const std::string where = name + ":" + std::to_string(number) + ": ";
    auto fields = split_tabs(line);
    if (fields.size() < 3)
      return Error(where + "expected start_s<TAB>end_s<TAB>label<TAB>notes, got '" + line + "'");
    auto start = parse_seconds(fields[0]);
    auto end = parse_seconds(fields[1]);
    if (!start || !end) return Error(where + "start and end must be seconds (e.g. 1.25)");
    if (*end <= *start) return Error(where + "the segment ends before it starts");
    if (fields[2].empty()) return Error(where + "the label is empty");
    if (!segments.empty() && *start < segments.back().end_s - 1e-6)
      return Error(where + "the segment overlaps the one before");
    const std::string notes = fields.size() > 3 ? fields[3] : "";
    auto reps = parse_reps(notes);
    if (!reps) return Error(where + reps.error().message());
    segments.push_back({*start, *end, fields[2], notes, reps.value()});
  }
  if (segments.empty()) return Error(name + ": no segments");
  return segments;
}

Result<std::vector<LabelSegment>> read_clip_labels(const std::string& path) {
  std::ifstream file(path);
  if (!file) return Error(path + ": cannot read the label file");
  std::stringstream text;
  text << file.rdbuf();
  return parse_clip_labels(text.str(), path);
}

ClipMetrics& ClipMetrics::operator+=(const ClipMetrics& o) {
  frames += o.frames;
  poses.frames += o.poses.frames;
  poses.hits += o.poses.hits;
  for (const auto& [label, r] : o.per_pose) {
    per_pose[label].frames += r.frames;
    per_pose[label].hits += r.hits;
  }
  none_frames += o.none_frames;
  false_poses += o.false_poses;
  changes += o.changes;
  seconds += o.seconds;
  held_changes += o.held_changes;
  held_seconds += o.held_seconds;
  return *this;
}

ClipMetrics evaluate_clip(const std::vector<LabelSegment>& labels,
                          const std::vector<FrameDecision>& frames, const PoseResolver& resolve,
                          const ClipEvaluationOptions& options) {
  ClipMetrics m;
  const LabelSegment* held_before = nullptr;  // the settled known-pose segment of the last frame
  for (size_t i = 0; i < frames.size(); ++i) {
    const FrameDecision& f = frames[i];
    ++m.frames;
    const LabelSegment* seg = segment_at(labels, f.t_s);
    const LabelSegment* held = nullptr;
    if (seg && seg->label == "none") {
      ++m.none_frames;
      m.false_poses += options.is_pose_decision(f.decision);
    } else if (auto pose = seg ? resolve(seg->label) : std::nullopt;
               pose && f.t_s >= seg->start_s + options.settle_s) {
      held = seg;
      const bool hit = f.decision == *pose;
      ++m.poses.frames;
      m.poses.hits += hit;
      ++m.per_pose[seg->label].frames;
      m.per_pose[seg->label].hits += hit;
    }
    if (i > 0) {
      const double dt = f.t_s - frames[i - 1].t_s;
      const bool changed = f.decision != frames[i - 1].decision;
      m.seconds += dt;
      m.changes += changed;
      if (held && held == held_before) {
        m.held_seconds += dt;
        m.held_changes += changed;
      }
    }
    held_before = held;
  }
  return m;
}

nlohmann::ordered_json clip_metrics_json(const ClipMetrics& m) {
  nlohmann::ordered_json per_pose = nlohmann::ordered_json::object();
  for (const auto& [label, r] : m.per_pose)
    per_pose[label] = {{"frames", r.frames}, {"recall", round_to(r.recall(), 0.001)}};
  return {{"frames", m.frames},
          {"pose_recall", round_to(m.poses.recall(), 0.001)},
          {"pose_frames", m.poses.frames},
          {"false_poses", round_to(m.false_pose_rate(), 0.001)},
          {"none_frames", m.none_frames},
          {"changes_per_min", round_to(m.changes_per_min(), 0.1)},
          {"held_changes_per_min", round_to(m.held_changes_per_min(), 0.1)},
          {"seconds", round_to(m.seconds, 0.01)},
          {"per_pose", per_pose}};
}

std::string clip_metrics_table(const std::vector<std::pair<std::string, ClipMetrics>>& clips,
                               const ClipMetrics& total) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-34s %7s %8s %7s %8s %8s %10s\n", "clip", "frames", "recall",
                "(n)", "false", "(n)", "changes/min held");
  out += line;
  auto row = [&](const std::string& name, const ClipMetrics& m) {
    auto rate = [](int64_t n, double v) { return n ? std::to_string(v).substr(0, 5) : "-"; };
    std::snprintf(
        line, sizeof line, "%-34s %7lld %8s %7lld %8s %8lld %7.1f %6.1f\n", name.c_str(),
        static_cast<long long>(m.frames), rate(m.poses.frames, m.poses.recall()).c_str(),
        static_cast<long long>(m.poses.frames), rate(m.none_frames, m.false_pose_rate()).c_str(),
        static_cast<long long>(m.none_frames), m.changes_per_min(), m.held_changes_per_min());
    out += line;
  };
  for (const auto& [name, m] : clips) row(name, m);
  row("total", total);
  return out;
}

ClipReps evaluate_clip_reps(const std::vector<LabelSegment>& labels,
                            const std::vector<RepCountFrame>& frames) {
  ClipReps clip;
  for (const auto& s : labels) {
    if (!s.reps) continue;
    clip.labelled = true;
    clip.true_reps += *s.reps;
  }
  int before = frames.empty() ? 0 : frames.front().counted;
  for (const auto& f : frames) {
    for (; before < f.counted; ++before) clip.counted_at.push_back(f.t_s);
    before = std::max(before, f.counted);
  }
  clip.counted = static_cast<int>(clip.counted_at.size());
  return clip;
}

RepTotals& RepTotals::operator+=(const ClipReps& clip) {
  if (!clip.labelled) {
    ++clips_without_reps;
    false_clips += clip.counted > 0;
    counted += clip.counted;
    return *this;
  }
  ++clips;
  exact += clip.exact();
  within_one += clip.within_one();
  true_reps += clip.true_reps;
  counted += clip.counted;
  return *this;
}

nlohmann::ordered_json clip_reps_json(const ClipReps& clip) {
  nlohmann::ordered_json at = nlohmann::ordered_json::array();
  for (double t : clip.counted_at) at.push_back(round_to(t, 0.01));
  return {{"labelled", clip.labelled},
          {"true_reps", clip.true_reps},
          {"counted", clip.counted},
          {"exact", clip.exact()},
          {"counted_at", at}};
}

nlohmann::ordered_json rep_totals_json(const RepTotals& t) {
  return {{"clips", t.clips},
          {"exact", t.exact},
          {"within_one", t.within_one},
          {"true_reps", t.true_reps},
          {"counted", t.counted},
          {"clips_without_reps", t.clips_without_reps},
          {"false_clips", t.false_clips}};
}

std::string clip_reps_table(const std::vector<std::pair<std::string, ClipReps>>& clips,
                            const RepTotals& totals) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-34s %5s %8s  %s\n", "clip", "true", "counted",
                "counted at (s)");
  out += line;
  for (const auto& [name, c] : clips) {
    std::string at;
    for (double t : c.counted_at) {
      char time[32];
      std::snprintf(time, sizeof time, "%s%.1f", at.empty() ? "" : " ", t);
      at += time;
    }
    std::snprintf(line, sizeof line, "%-34s %5s %8d  %s\n", name.c_str(),
                  c.labelled ? std::to_string(c.true_reps).c_str() : "-", c.counted, at.c_str());
    out += line;
  }
  std::snprintf(line, sizeof line,
                "reps: %d of %d clips exact, %d within 1; %d of %d clips without reps counted "
                "some\n",
                totals.exact, totals.clips, totals.within_one, totals.false_clips,
                totals.clips_without_reps);
  out += line;
  return out;
}

}  // namespace posecast
