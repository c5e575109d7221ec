// posecast analyze: the live analysis over every frame of recorded videos, as JSON lines.
#include <fstream>
#include <iostream>
#include <memory>

#include "commands.h"
#include "json_output.h"
#include "posecast/practice_history.h"
#include "posecast/video_analysis.h"
#include "video_options.h"

namespace posecast::cli {

namespace {

struct AnalyzeArgs {
  VideoArgs video;
  std::vector<std::string> videos;
  std::string jsonl = "-";  // "-": stdout
  std::string out;          // annotated video
  bool summary = false;
};

// A result line without what differs between runs (wall clock, fps, stage times), so that the
// same video gives the same lines.
nlohmann::ordered_json frame_line(const FrameResult& r, double t_s, const std::string& video) {
  nlohmann::ordered_json line;
  if (!video.empty()) line["video"] = video;
  line["frame"] = r.frame;
  line["t_s"] = rounded(t_s, 3);
  const nlohmann::json live = frame_result_json(r);
  for (const char* key : {"decision", "label", "variant", "reason", "top", "none_prob", "score",
                          "coached_pose", "hold_s", "corrections", "target", "exercise", "person",
                          "keypoints", "people", "primary_id", "guidance", "setup_check", "say"})
    if (live.contains(key)) line[key] = live[key];
  return line;
}

// Holds, sets of reps and the time without a person, from the frames of one video.
class SummaryBuilder {
 public:
  void add(const FrameResult& r, double t_s) {
    if (last_t_ && !last_person_) no_person_s_ += t_s - *last_t_;
    last_t_ = t_s;
    last_person_ = r.person;
    if (auto hold = holds_.update(r)) add_hold(*hold);
    if (auto set = sets_.update(r)) add_set(*set);
  }
  nlohmann::ordered_json finish(const std::string& video, const VideoAnalysisSummary& s) {
    if (auto hold = holds_.flush()) add_hold(*hold);
    if (auto set = sets_.flush()) add_set(*set);
    return {{"summary",
             {{"video", video},
              {"frames", s.frames},
              {"seconds", rounded(s.seconds, 2)},
              {"holds", holds_json_},
              {"sets", sets_json_},
              {"reps", reps_json_},
              {"no_person_s", rounded(no_person_s_, 2)},
              {"failed_frames", s.failed_frames}}}};
  }

 private:
  void add_set(const SetRecord& set) {
    const double start_s = set.start_unix_ms / 1000.0;
    sets_json_.push_back({{"exercise", set.exercise},
                          {"set", set.set},
                          {"reps", set.reps},
                          {"partial_reps", set.partial_reps},
                          {"start_s", rounded(start_s, 2)},
                          {"end_s", rounded(start_s + set.duration_s, 2)},
                          {"mean_score", rounded(set.mean_score, 1)},
                          {"mean_range", rounded(set.mean_range, 2)},
                          {"main_cue", set.main_cue}});
    auto& total = reps_json_[set.exercise];
    total = total.is_null() ? set.reps : total.get<int>() + set.reps;
  }
  void add_hold(const HoldRecord& h) {
    const double start_s = h.start_unix_ms / 1000.0;  // a video's frames carry t_s in ms
    nlohmann::ordered_json j = {{"pose", h.pose}};
    if (!h.variant.empty()) j["variant"] = h.variant;
    j["start_s"] = rounded(start_s, 2);
    j["end_s"] = rounded(start_s + h.duration_s, 2);
    j["duration_s"] = rounded(h.duration_s, 2);
    j["mean_score"] = h.mean_score > 0 ? nlohmann::ordered_json(rounded(h.mean_score, 1))
                                       : nlohmann::ordered_json(nullptr);
    j["main_correction"] = h.main_correction;
    holds_json_.push_back(std::move(j));
  }
  HoldTracker holds_;
  SetTracker sets_;
  nlohmann::ordered_json holds_json_ = nlohmann::ordered_json::array();
  nlohmann::ordered_json sets_json_ = nlohmann::ordered_json::array();
  nlohmann::ordered_json reps_json_ = nlohmann::ordered_json::object();  // exercise -> full reps
  std::optional<double> last_t_;
  bool last_person_ = true;
  double no_person_s_ = 0;
};

int analyze_one(const std::string& video, bool name_videos, const AnalyzeArgs& args,
                VideoAnalysisSetup& setup, std::ostream& out) {
  VideoAnalysisOptions options;
  options.controls = setup.controls;
  options.annotated_out = args.out;
  VideoProgress progress("posecast analyze");
  SummaryBuilder summary;
  const std::string name = name_videos ? video : "";
  VideoAnalysisCallbacks callbacks;
  callbacks.on_frame = [&](const FrameResult& r, double t_s) {
    out << frame_line(r, t_s, name).dump() << "\n";
    if (args.summary) summary.add(r, t_s);
  };
  callbacks.on_error = [&](int64_t frame, double t_s, const std::string& message) {
    std::cerr << "posecast analyze: " << video << ": frame " << frame << " (" << t_s
              << " s): " << message << "\n";
  };
  progress.attach(callbacks);
  auto done =
      analyze_video(video, *setup.analyzer, *setup.classifier.classifier, options, callbacks);
  progress.finish();
  if (!done) {
    std::cerr << "posecast analyze: " << done.error().message() << "\n";
    return 1;
  }
  if (args.summary) out << summary.finish(video, done.value()).dump() << "\n";
  out.flush();
  const VideoAnalysisSummary& s = done.value();
  std::cerr << "posecast analyze: " << video << ": " << s.frames << " frames in "
            << rounded(s.analysis_s, 2) << " s ("
            << rounded(s.analysis_s > 0 ? s.frames / s.analysis_s : 0, 1) << " fps, "
            << rounded(s.analysis_s > 0 ? s.seconds / s.analysis_s : 0, 2) << "x real time)\n";
  return 0;
}

int run_analyze(const AnalyzeArgs& args) {
  if (!args.out.empty() && args.videos.size() > 1) {
    std::cerr << "posecast analyze: --out takes one video, got " << args.videos.size() << "\n";
    return 2;
  }
  auto setup = set_up_video_analysis(args.video);
  if (!setup) {
    std::cerr << "posecast analyze: " << setup.error().message() << "\n";
    return 1;
  }
  std::ofstream file;
  if (args.jsonl != "-") {
    file.open(args.jsonl);
    if (!file) {
      std::cerr << "posecast analyze: --jsonl " << args.jsonl << ": cannot write it\n";
      return 1;
    }
  }
  std::ostream& out = args.jsonl == "-" ? std::cout : file;
  int code = 0;
  for (const std::string& video : args.videos)
    code = std::max(code, analyze_one(video, args.videos.size() > 1, args, setup.value(), out));
  return code;
}

}  // namespace

void add_analyze(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<AnalyzeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "analyze",
      "The live analysis (tracking, smoothing, hysteresis, coach, hold timer: the same code as "
      "`run`) over every frame of recorded videos, as fast as the machine allows. One JSON line "
      "per frame {\"frame\",\"t_s\",\"decision\",\"top\",\"score\",\"hold_s\",\"corrections\","
      "\"person\",\"keypoints\",\"exercise\",...}; with --summary a last line "
      "{\"summary\":{\"holds\":[...],\"sets\":[...],\"reps\":{\"squat\":10},\"no_person_s\",...}} "
      "per video. The same video gives the same lines on every run.");
  cmd->add_option("videos", args->videos, "Video files")->required()->check(CLI::ExistingFile);
  cmd->add_option("--jsonl", args->jsonl, "Where the JSON lines go ('-': stdout)")
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Write the annotated video here (MP4; one input video)");
  cmd->add_flag("--summary", args->summary,
                "After each video's frames, one summary line: its holds (pose, start, end, "
                "duration, mean score, most frequent correction), its sets of reps (exercise, "
                "reps, partial reps, start, end, mean score and range, most frequent cue), the "
                "reps of each exercise and the time without a person");
  add_video_options(*cmd, args->video);
  cmd->callback([args, &ctx] { ctx.exit_code = run_analyze(*args); });
}

}  // namespace posecast::cli
