// posecast eval-video: how well the live analysis recognises poses on labelled real clips.
#include <algorithm>
#include <filesystem>
#include <iostream>
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

Result<ClipMetrics> evaluate_video(const std::string& video, const EvalVideoArgs& args,
                                   VideoAnalysisSetup& setup) {
  const std::filesystem::path labels_path =
      std::filesystem::path(args.labels) / (std::filesystem::path(video).stem().string() + ".tsv");
  auto labels = read_clip_labels(labels_path.string());
  if (!labels) return labels.error();
  std::vector<FrameDecision> decisions;
  VideoProgress progress("posecast eval-video");
  VideoAnalysisCallbacks callbacks;
  callbacks.on_frame = [&](const FrameResult& r, double t_s) {
    decisions.push_back({t_s, r.classification.decision});
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
  return evaluate_clip(labels.value(), decisions,
                       make_resolver(*setup.classifier.classifier, setup.analyzer->library()),
                       evaluation);
}

int run_eval_video(const EvalVideoArgs& args) {
  auto setup = set_up_video_analysis(args.video);
  if (!setup) {
    std::cerr << "posecast eval-video: " << setup.error().message() << "\n";
    return 1;
  }
  std::vector<std::pair<std::string, ClipMetrics>> clips;
  ClipMetrics total;
  int code = 0;
  for (const std::string& video : args.videos) {
    auto metrics = evaluate_video(video, args, setup.value());
    if (!metrics) {
      std::cerr << "posecast eval-video: " << metrics.error().message() << "\n";
      code = 1;
      continue;
    }
    clips.emplace_back(std::filesystem::path(video).stem().string(), metrics.value());
    total += metrics.value();
  }
  if (args.json) {
    nlohmann::ordered_json report = {{"model", setup->classifier.name},
                                     {"clips", nlohmann::ordered_json::array()}};
    for (const auto& [name, m] : clips) {
      nlohmann::ordered_json clip = {{"clip", name}};
      clip.update(clip_metrics_json(m));
      report["clips"].push_back(std::move(clip));
    }
    report["total"] = clip_metrics_json(total);
    print_json_line(report);
  } else {
    std::cout << "model " << setup->classifier.name << "\n" << clip_metrics_table(clips, total);
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
      "'none' segments decided as any pose) and decision changes per minute (all frames, and "
      "within held poses).");
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
