// The record of a training job on disk, shaped like SageMaker's DescribeTrainingJob so that tools
// written for the original keep working: JOB/status.json (TrainingJobStatus InProgress ->
// Completed | Failed | Stopped, SecondaryStatus and its transitions, FailureReason, times,
// HyperParameters as strings, FinalMetricDataList, ModelArtifacts) and JOB/training.log (MXNet's
// "Epoch[3] Validation-accuracy=0.81" lines, so SageMaker metric regexes match them).
//
// status.json is replaced atomically (temporary file + rename): a reader never sees half a file,
// and a job killed at any moment leaves the last state it reached.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "posecast/status.h"

namespace posecast {

class TrainingJobRecord {
 public:
  // Creates JOB (and JOB/checkpoints), writes InProgress / Starting. With `resume` the earlier
  // record is kept (creation time, transitions) and the log is appended to.
  static Result<TrainingJobRecord> open(const std::filesystem::path& dir, const std::string& name,
                                        const nlohmann::json& hyperparameters, bool resume);

  // SageMaker's secondary states used here: Starting, Downloading (reading the data), Training,
  // Uploading (writing the model), then Completed, Failed or Stopped.
  Status set_secondary(const std::string& status, const std::string& message);
  // Progress within Training: epochs done of all, and the latest metrics.
  Status set_progress(int epochs_done, int epochs, const std::map<std::string, double>& metrics);
  Status completed(const std::filesystem::path& model,
                   const std::map<std::string, double>& final_metrics);
  Status failed(const std::string& reason);
  Status stopped(const std::string& reason);

  // A line of the log, time-stamped.
  void log(const std::string& line);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path checkpoints() const { return dir_ / "checkpoints"; }
  const nlohmann::ordered_json& status() const { return status_; }

  TrainingJobRecord(TrainingJobRecord&&) = default;
  TrainingJobRecord& operator=(TrainingJobRecord&&) = default;

 private:
  TrainingJobRecord() = default;
  Status write();
  Status finish(const std::string& status, const std::string& secondary,
                const std::string& message);

  std::filesystem::path dir_;
  nlohmann::ordered_json status_;
  std::ofstream log_;
};

// The current time as SageMaker prints it: "2026-11-29T14:03:07.123Z" (UTC).
std::string iso8601_utc_now();

}  // namespace posecast
