// Practice history on the device: each practice session, the holds in it (pose, start,
// duration, best and mean form score) and the sets of rep exercises (reps, partial reps, mean
// score and range, the most frequent cue), kept in one SQLite file so that a student can look
// back (`posecast history`, GET /api/history) with nothing sent off the device.
//
// HoldTracker and SetTracker turn the per-frame results of the pipeline into holds and sets;
// PracticeHistory stores them. Schema and command: docs/history.md.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "posecast/frame_result.h"
#include "posecast/status.h"

namespace posecast {

// One pose held without a break.
struct HoldRecord {
  std::string pose;     // the classifier's decision, e.g. "tree"
  std::string variant;  // "left"/"right" for a sided pose (the one seen on most frames), else ""
  int64_t start_unix_ms = 0;
  double duration_s = 0;
  float best_score = 0;  // coach scores 0-100 over the frames that had one; 0 and 0 = not scored
  float mean_score = 0;
  // The coach's first cue on most of the scored frames ("Straighten your left knee"), else "".
  std::string main_correction;
};

// One set of a rep exercise: the reps from the first to the last before a rest (or another
// exercise, or the end).
struct SetRecord {
  std::string exercise;       // exercise library id, "squat"
  int set = 1;                // the counter's set number of this exercise
  int reps = 0;               // full reps
  int partial_reps = 0;       // partial reps (never in reps)
  int64_t start_unix_ms = 0;  // the first rep started
  double duration_s = 0;      // to the end of the last rep
  float mean_score = 0;       // form score 0-100 over the full reps; 0 = none known
  float mean_range = 0;       // range of motion over the full reps (1 = full); 0 = none known
  std::string main_cue;       // the cue given most often, "" when every rep was good
};

struct PracticeSession {
  int64_t id = 0;
  std::string device;
  std::string model;
  int64_t start_unix_ms = 0;
  int64_t end_unix_ms = 0;  // 0 = still open
  std::vector<HoldRecord> holds;
  std::vector<SetRecord> sets;
};

// $XDG_DATA_HOME/posecast/history.sqlite, else ~/.local/share/posecast/history.sqlite.
std::filesystem::path default_history_path();

class PracticeStore;
struct SessionQuery;

// The device's history file. Thread-safe: one mutex around one SQLite connection. Several
// processes may use the same file (WAL mode; a writer waits up to a few seconds for another).
class PracticeHistory {
 public:
  // Opens `db`, creating its directory, the file and the schema when missing. A file that is not
  // a posecast history (corrupt, another program's database, a newer schema) is an Error naming
  // the file; it is never changed.
  static Result<std::unique_ptr<PracticeHistory>> open(const std::filesystem::path& db);
  ~PracticeHistory();
  PracticeHistory(const PracticeHistory&) = delete;
  PracticeHistory& operator=(const PracticeHistory&) = delete;

  // Starts a session (ending the open one of this object first, at `now_unix_ms`); returns its id.
  Result<int64_t> start_session(const std::string& device, const std::string& model,
                                int64_t now_unix_ms);
  // Ends the open session at `now_unix_ms` (not before its start); a no-op when none is open.
  Status end_session(int64_t now_unix_ms);
  // The session this object has open, if any. Sessions left open by another process (or one that
  // stopped without ending it) are not resumed: they show with end 0.
  std::optional<int64_t> current_session() const;
  // Adds `hold` to the open session; starts one (device "", model "", at the hold's start) if
  // none is open. A hold without a pose or with a negative or non-finite value is an Error.
  Status record_hold(const HoldRecord& hold);
  // Adds `set` to the open session, as record_hold does. A set without an exercise, with
  // negative counts, or with a negative or non-finite value is an Error.
  Status record_set(const SetRecord& set);
  // The `limit` most recent sessions (<= 0: all), newest first, each with its holds and sets in
  // time order.
  Result<std::vector<PracticeSession>> sessions(int limit = 50) const;
  Result<std::vector<PracticeSession>> sessions(const SessionQuery& query) const;

  const std::filesystem::path& path() const { return path_; }

 private:
  PracticeHistory(std::filesystem::path path, std::unique_ptr<PracticeStore> store);
  Status end_session_locked(int64_t now_unix_ms);
  // The open session, starting one at `start_unix_ms` if none is open.
  Result<int64_t> session_for(int64_t start_unix_ms);

  std::filesystem::path path_;
  mutable std::mutex mutex_;  // guards current_
  std::unique_ptr<PracticeStore> store_;
  std::optional<int64_t> current_;
};

// {"sessions":[{"id","device","model","start_ms","end_ms","duration_s","holds":[{"pose",
// "variant","start_ms","duration_s","best_score","mean_score","main_correction"}],"sets":[{"exercise","set",
// "reps","partial_reps","start_ms","duration_s","mean_score","mean_range","main_cue"}]}]}; an
// open session has end_ms and duration_s null. Seconds to 0.001, scores and ranges to 0.01.
nlohmann::json history_json(const std::vector<PracticeSession>& sessions);

// Turns the stream of per-frame results into holds: a hold is a run of frames with the same
// confirmed decision (not "take_your_pose"), lasting at least min_hold_s. A pose lost for no longer
// than grace_s and then found again continues the hold (a stumble, as HoldTimer counts it); a
// different pose ends it at once. Score stats are over the hold's frames that have a coach score
// for that pose (a score against an instructor's other target pose is not the hold's).
class HoldTracker {
 public:
  explicit HoldTracker(double min_hold_s = 2.0, double grace_s = 0.5);

  // Feeds one frame (capture_unix_ms increasing); returns the hold that just ended, if any. A
  // hold ends at the capture time of the first frame that no longer showed the pose.
  std::optional<HoldRecord> update(const FrameResult& r);
  // Ends the hold in progress (on stop) at the last frame that showed it and returns it if it
  // lasted long enough.
  std::optional<HoldRecord> flush();

 private:
  std::optional<HoldRecord> close(int64_t end_unix_ms);
  void begin(const FrameResult& r);
  void add_frame(const FrameResult& r);

  double min_hold_s_;
  double grace_s_;
  std::string pose_;  // "" = no hold in progress
  int64_t start_ms_ = 0;
  int64_t last_seen_ms_ = 0;             // the last frame that showed the pose
  std::optional<int64_t> gap_start_ms_;  // the first frame after it that did not
  std::map<std::string, int> variant_frames_;
  int scored_frames_ = 0;
  double score_sum_ = 0;
  int best_score_ = 0;
  std::map<std::string, int> first_cues_;  // scored frames by the coach's first cue
};

// Turns the stream of per-frame results into sets of rep exercises. The rep counter numbers the
// sets (FrameResult::exercise); a set begins at its first rep seen and ends when the counter
// rests, when another exercise or set number comes, or on flush(). A frame without an exercise
// (the body lost for a moment) ends nothing. Reps are counted from the counter's totals, so a
// rep between two results that were sent is not lost; score, range and cue are over the reps
// whose record a result carried (last_rep).
class SetTracker {
 public:
  // Feeds one frame (capture_unix_ms increasing); returns the set that just ended, if any.
  std::optional<SetRecord> update(const FrameResult& r);
  // Ends the set in progress (on stop) and returns it, if it had a rep.
  std::optional<SetRecord> flush();

 private:
  std::optional<SetRecord> close();
  void add_reps(const ExerciseState& e, int full, int partial, int64_t now_ms);

  std::optional<SetRecord> open_;  // the set in progress
  // Per exercise: the counter's total and partial reps at the last frame, to see new reps.
  std::map<std::string, std::pair<int, int>> seen_;
  int scored_reps_ = 0;
  double score_sum_ = 0, range_sum_ = 0;
  std::map<std::string, int> cues_;  // reps with a cue, by cue
};

}  // namespace posecast
