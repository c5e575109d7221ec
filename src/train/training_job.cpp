// status.json and training.log of a training job.
#include "posecast/training_job.h"

#include <ctime>
#include <system_error>

namespace posecast {

using nlohmann::ordered_json;
namespace fs = std::filesystem;

std::string iso8601_utc_now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t t = system_clock::to_time_t(now);
  const auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

Result<TrainingJobRecord> TrainingJobRecord::open(const fs::path& dir, const std::string& name,
                                                  const nlohmann::json& hyperparameters,
                                                  bool resume) {
  std::error_code ec;
  fs::create_directories(dir / "checkpoints", ec);
  if (ec)
    return Error("cannot create the training job folder " + dir.string() + ": " + ec.message());
  TrainingJobRecord record;
  record.dir_ = dir;
  const std::string now = iso8601_utc_now();
  if (resume) {
    std::ifstream in(dir / "status.json");
    ordered_json earlier = ordered_json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (earlier.is_object()) record.status_ = std::move(earlier);
  }
  ordered_json& s = record.status_;
  if (!s.contains("CreationTime")) s["CreationTime"] = now;
  s["TrainingJobName"] = name;
  s["TrainingJobStatus"] = "InProgress";
  s["SecondaryStatus"] = "Starting";
  s.erase("FailureReason");
  s.erase("TrainingEndTime");
  s["AlgorithmSpecification"] = {
      {"TrainingImage", "posecast image-classification (ResNet, LibTorch)"},
      {"TrainingInputMode", "File"}};
  s["HyperParameters"] = hyperparameters;
  s["TrainingStartTime"] = now;
  s["LastModifiedTime"] = now;
  if (!s.contains("SecondaryStatusTransitions"))
    s["SecondaryStatusTransitions"] = ordered_json::array();
  s["SecondaryStatusTransitions"].push_back(
      {{"Status", "Starting"},
       {"StartTime", now},
       {"StatusMessage", resume ? "Resuming the training job" : "Starting the training job"}});
  record.log_.open(dir / "training.log", resume ? std::ios::app : std::ios::trunc);
  if (!record.log_) return Error("cannot write " + (dir / "training.log").string());
  if (Status st = record.write(); !st.ok()) return st.error();
  return record;
}

Status TrainingJobRecord::write() {
  status_["LastModifiedTime"] = iso8601_utc_now();
  const fs::path path = dir_ / "status.json";
  const fs::path tmp = dir_ / "status.json.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << status_.dump(2) << "\n";
    out.flush();
    if (!out) return Error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) return Error("cannot write " + path.string() + ": " + ec.message());
  return {};
}

Status TrainingJobRecord::set_secondary(const std::string& status, const std::string& message) {
  const std::string now = iso8601_utc_now();
  ordered_json& transitions = status_["SecondaryStatusTransitions"];
  if (!transitions.empty() && !transitions.back().contains("EndTime"))
    transitions.back()["EndTime"] = now;
  transitions.push_back({{"Status", status}, {"StartTime", now}, {"StatusMessage", message}});
  status_["SecondaryStatus"] = status;
  log(status + ": " + message);
  return write();
}

Status TrainingJobRecord::set_progress(int epochs_done, int epochs,
                                       const std::map<std::string, double>& metrics) {
  status_["Progress"] = {{"EpochsCompleted", epochs_done}, {"Epochs", epochs}};
  ordered_json list = ordered_json::array();
  for (const auto& [name, value] : metrics)
    list.push_back({{"MetricName", name}, {"Value", value}});
  status_["LatestMetrics"] = list;
  return write();
}

Status TrainingJobRecord::finish(const std::string& status, const std::string& secondary,
                                 const std::string& message) {
  status_["TrainingJobStatus"] = status;
  status_["TrainingEndTime"] = iso8601_utc_now();
  Status st = set_secondary(secondary, message);
  ordered_json& transitions = status_["SecondaryStatusTransitions"];
  transitions.back()["EndTime"] = status_["TrainingEndTime"];
  if (Status w = write(); !w.ok()) return w;
  return st;
}

Status TrainingJobRecord::completed(const fs::path& model,
                                    const std::map<std::string, double>& final_metrics) {
  ordered_json list = ordered_json::array();
  for (const auto& [name, value] : final_metrics)
    list.push_back({{"MetricName", name}, {"Value", value}});
  status_["FinalMetricDataList"] = list;
  std::error_code ec;
  const fs::path absolute = fs::absolute(model, ec);
  status_["ModelArtifacts"] = {{"S3ModelArtifacts", (ec ? model : absolute).string()}};
  return finish("Completed", "Completed", "Training job completed");
}

Status TrainingJobRecord::failed(const std::string& reason) {
  status_["FailureReason"] = reason;
  return finish("Failed", "Failed", "Training job failed: " + reason);
}

Status TrainingJobRecord::stopped(const std::string& reason) {
  return finish("Stopped", "Stopped", reason);
}

void TrainingJobRecord::log(const std::string& line) {
  log_ << "[" << iso8601_utc_now() << "] " << line << "\n";
  log_.flush();
}

}  // namespace posecast
