// posecast eval-video: how well the live analysis recognises poses on labelled real clips.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "posecast/clip_evaluation.h"
#include "posecast/video_analysis.h"
#include "video_options.h"

namespace posecast::cli {

namespace {

struct EvalVideoArgs {
  VideoArgs video;
  std::vector<std::string> videos;
  std::string labels;
  double settle_s = 1.0;
  bool json = false;
};

// A segment label the classifier knows ("downdog" for the library's "downward_dog" too).
PoseResolver make_resolver(const PoseClassifier& classifier, const PoseLibrary& library) {
  auto known = classifier.labels();
  return [known, &library](const std::string& label) -> std::optional<std::string> {
    const std::string id = label_for_folder(label, library);
    if (std::find(known.begin(), known.end(), id) != known.end()) return id;
    return std::nullopt;
  };
}

// Reps counted so far in a clip, summed over exercises: the rise of each one's total_reps.
class RepTally {
 public:
  int add(const std::optional<ExerciseState>& state) {
    if (state) {
      int& seen = totals_[state->id];
      counted_ += std::max(0, state->total_reps - seen);
      seen = std::max(seen, state->total_reps);
    }
    return counted_;
  }

 private:
  std::map<std::string, int> totals_;
  int counted_ = 0;
};

// The people of a side-by-side clip (two recordings put next to each other, ffmpeg's hstack):
// label files `<clip>.left.tsv` and `<clip>.right.tsv` score the person whose box centre is in
// that half of the picture, with --people 2.
struct SideLabels {
  std::string side;  // "left", "right"
  std::vector<LabelSegment> labels;
  std::vector<FrameDecision> decisions;
};

std::string side_decision(const FrameResult& r, const std::string& side) {
  for (const PersonResult& p : r.people)
    if ((p.box.x + p.box.width / 2 < 0.5f) == (side == "left")) return p.classification.decision;
  return std::string(kTakeYourPose);
}

struct VideoEvaluation {
  ClipMetrics poses;
  ClipReps reps;
  std::vector<std::pair<std::string, ClipMetrics>> sides;  // "left", "right": their people
};

// The labels of `video`: `<clip>.tsv` (the primary person; may be absent when side labels exist)
// and the side labels found.
Result<std::optional<std::vector<LabelSegment>>> read_labels(const std::string& video,
                                                             const EvalVideoArgs& args,
                                                             std::vector<SideLabels>& sides) {
  const std::filesystem::path stem =
      std::filesystem::path(args.labels) / std::filesystem::path(video).stem();
  for (const char* side : {"left", "right"}) {
    const std::string path = stem.string() + "." + side + ".tsv";
    if (!std::filesystem::exists(path)) continue;
    auto labels = read_clip_labels(path);
    if (!labels) return labels.error();
    sides.push_back({side, std::move(labels).value(), {}});
  }
  const std::string main_path = stem.string() + ".tsv";
  if (!sides.empty() && !std::filesystem::exists(main_path))
    return std::optional<std::vector<LabelSegment>>();
  auto labels = read_clip_labels(main_path);
  if (!labels) return labels.error();
  return std::optional<std::vector<LabelSegment>>(std::move(labels).value());
}

Result<VideoEvaluation> evaluate_video(const std::string& video, const EvalVideoArgs& args,
                                       VideoAnalysisSetup& setup) {
  std::vector<SideLabels> sides;
  auto labels = read_labels(video, args, sides);
  if (!labels) return labels.error();
  std::vector<FrameDecision> decisions;
  std::vector<RepCountFrame> reps;
  RepTally tally;
  VideoProgress progress("posecast eval-video");
  VideoAnalysisCallbacks callbacks;
  callbacks.on_frame = [&](const FrameResult& r, double t_s) {
    decisions.push_back({t_s, r.classification.decision});
    reps.push_back({t_s, tally.add(r.exercise)});
    for (SideLabels& s : sides) s.decisions.push_back({t_s, side_decision(r, s.side)});
  };
  VideoAnalysisOptions options;
  options.controls = setup.controls;
  progress.attach(callbacks);
  auto done =
      analyze_video(video, *setup.analyzer, *setup.classifier.classifier, options, callbacks);
  progress.finish();
  if (!done) return done.error();
  ClipEvaluationOptions evaluation;
  evaluation.settle_s = args.settle_s;
  const PoseResolver resolve =
      make_resolver(*setup.classifier.classifier, setup.analyzer->library());
  VideoEvaluation result;
  if (const auto& primary = labels.value()) {
    result.poses = evaluate_clip(*primary, decisions, resolve, evaluation);
    result.reps = evaluate_clip_reps(*primary, reps);
  }
  for (const SideLabels& s : sides)
    result.sides.emplace_back(s.side, evaluate_clip(s.labels, s.decisions, resolve, evaluation));
  return result;
}

int run_eval_video(const EvalVideoArgs& args) {
  auto setup = set_up_video_analysis(args.video);
  if (!setup) {
    std::cerr << "posecast eval-video: " << setup.error().message() << "\n";
    return 1;
  }
  std::vector<std::pair<std::string, ClipMetrics>> clips;
  std::vector<std::pair<std::string, ClipReps>> rep_clips;
  ClipMetrics total;
  RepTotals rep_total;
  int code = 0;
  for (const std::string& video : args.videos) {
    auto evaluation = evaluate_video(video, args, setup.value());
    if (!evaluation) {
      std::cerr << "posecast eval-video: " << evaluation.error().message() << "\n";
      code = 1;
      continue;
    }
    const std::string name = std::filesystem::path(video).stem().string();
    if (evaluation->poses.frames > 0) {
      clips.emplace_back(name, evaluation->poses);
      rep_clips.emplace_back(name, evaluation->reps);
      total += evaluation->poses;
      rep_total += evaluation->reps;
    }
    for (const auto& [side, metrics] : evaluation->sides) {
      clips.emplace_back(name + ":" + side, metrics);
      rep_clips.emplace_back(name + ":" + side, ClipReps{});
      total += metrics;
    }
  }
  if (args.json) {
    nlohmann::ordered_json report = {{"model", setup->classifier.name},
                                     {"clips", nlohmann::ordered_json::array()}};
    for (size_t i = 0; i < clips.size(); ++i) {
      nlohmann::ordered_json clip = {{"clip", clips[i].first}};
      clip.update(clip_metrics_json(clips[i].second));
      clip["reps"] = clip_reps_json(rep_clips[i].second);
      report["clips"].push_back(std::move(clip));
    }
    report["total"] = clip_metrics_json(total);
    report["total"]["reps"] = rep_totals_json(rep_total);
    print_json_line(report);
  } else {
    std::cout << "model " << setup->classifier.name << "\n"
              << clip_metrics_table(clips, total) << "\n"
              << clip_reps_table(rep_clips, rep_total);
  }
  return code;
}

}  // namespace

void add_eval_video(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EvalVideoArgs>();
  CLI::App* cmd = app.add_subcommand(
      "eval-video",
      "How well the live analysis recognises poses on labelled videos. Labels: "
      "LABELS/<clip>.tsv beside each clip's name, lines start_s<TAB>end_s<TAB>label<TAB>notes. "
      "Prints per clip and in total: pose recall (frames of a segment labelled with a pose the "
      "model knows, from 1 s after it starts, decided as that pose), false poses (frames of "
      "'none' segments decided as any pose), decision changes per minute (all frames, and "
      "within held poses), and reps: counted against the segments' notes 'reps=N; ...' per clip "
      "(clips exact, within 1, and clips without reps that counted some). With --people 2, "
      "LABELS/<clip>.left.tsv and <clip>.right.tsv score the person in that half of the "
      "picture (two recordings side by side), as clips <clip>:left and <clip>:right.");
  cmd->add_option("videos", args->videos, "Video files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--labels", args->labels, "Folder of <clip>.tsv label files")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--settle", args->settle_s,
                  "Seconds after a pose segment starts before its frames count")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 60.0));
  cmd->add_flag("--json", args->json, "One JSON object instead of a table");
  add_video_options(*cmd, args->video);
  cmd->callback([args, &ctx] { ctx.exit_code = run_eval_video(*args); });
}

}  // namespace posecast::cli
