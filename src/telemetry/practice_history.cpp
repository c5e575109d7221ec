// PracticeHistory: the device's sessions on top of the SQLite store; the checks every store
// applies; the history's JSON.
#include "posecast/practice_history.h"

#include <cmath>
#include <utility>

#include "posecast/practice_store.h"
#include "posecast/user_dirs.h"

namespace posecast {

namespace fs = std::filesystem;

namespace {

// `value` to `decimals` places, so the JSON says 85.45 rather than 85.45454406738281.
double rounded(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

}  // namespace

Status check_hold(const HoldRecord& hold) {
  if (hold.pose.empty()) return Error("a hold needs a pose");
  if (!std::isfinite(hold.duration_s) || hold.duration_s < 0 || !std::isfinite(hold.best_score) ||
      hold.best_score < 0 || !std::isfinite(hold.mean_score) || hold.mean_score < 0)
    return Error("hold of \"" + hold.pose + "\": duration and scores must be finite and >= 0");
  return Status::Ok();
}

Status check_set(const SetRecord& set) {
  if (set.exercise.empty()) return Error("a set needs an exercise");
  if (set.set < 1 || set.reps < 0 || set.partial_reps < 0)
    return Error("set of \"" + set.exercise + "\": set number >= 1, reps >= 0");
  if (!std::isfinite(set.duration_s) || set.duration_s < 0 || !std::isfinite(set.mean_score) ||
      set.mean_score < 0 || !std::isfinite(set.mean_range) || set.mean_range < 0)
    return Error("set of \"" + set.exercise +
                 "\": duration, score and range must be finite and >= 0");
  return Status::Ok();
}

Status PracticeStore::add_hold(int64_t session, const HoldRecord& hold) {
  if (Status s = check_hold(hold); !s.ok()) return s;
  return write_hold(session, hold);
}

Status PracticeStore::add_set(int64_t session, const SetRecord& set) {
  if (Status s = check_set(set); !s.ok()) return s;
  return write_set(session, set);
}

bool is_postgres_url(const std::string& location) {
  return location.starts_with("postgresql://") || location.starts_with("postgres://");
}

Result<std::unique_ptr<PracticeStore>> open_practice_store(const std::string& location) {
  if (is_postgres_url(location)) return open_postgres_store(location);
  return open_sqlite_store(location);
}

fs::path default_history_path() { return user_data_dir() / "history.sqlite"; }

PracticeHistory::PracticeHistory(fs::path path, std::unique_ptr<PracticeStore> store)
    : path_(std::move(path)), store_(std::move(store)) {}

PracticeHistory::~PracticeHistory() = default;

Result<std::unique_ptr<PracticeHistory>> PracticeHistory::open(const fs::path& path) {
  Result<std::unique_ptr<PracticeStore>> store = open_sqlite_store(path);
  if (!store) return store.error();
  return std::unique_ptr<PracticeHistory>(new PracticeHistory(path, std::move(store).value()));
}

Status PracticeHistory::end_session_locked(int64_t now_unix_ms) {
  if (!current_) return Status::Ok();
  if (Status s = store_->end_session(*current_, now_unix_ms); !s.ok()) return s;
  current_.reset();
  return Status::Ok();
}

Result<int64_t> PracticeHistory::start_session(const std::string& device, const std::string& model,
                                               int64_t now_unix_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (Status s = end_session_locked(now_unix_ms); !s.ok()) return s.error();
  Result<int64_t> id = store_->start_session(device, model, now_unix_ms);
  if (!id) return id.error();
  current_ = *id;
  return id;
}

Status PracticeHistory::end_session(int64_t now_unix_ms) {
  std::lock_guard<std::mutex> lock(mutex_);
  return end_session_locked(now_unix_ms);
}

std::optional<int64_t> PracticeHistory::current_session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

Result<int64_t> PracticeHistory::session_for(int64_t start_unix_ms) {
  if (current_) return *current_;
  Result<int64_t> id = store_->start_session("", "", start_unix_ms);
  if (!id) return id.error();
  current_ = *id;
  return id;
}

Status PracticeHistory::record_hold(const HoldRecord& hold) {
  if (Status s = check_hold(hold); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mutex_);
  Result<int64_t> session = session_for(hold.start_unix_ms);
  if (!session) return session.error();
  return store_->add_hold(*session, hold);
}

Status PracticeHistory::record_set(const SetRecord& set) {
  if (Status s = check_set(set); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mutex_);
  Result<int64_t> session = session_for(set.start_unix_ms);
  if (!session) return session.error();
  return store_->add_set(*session, set);
}

Result<std::vector<PracticeSession>> PracticeHistory::sessions(int limit) const {
  SessionQuery query;
  query.limit = limit;
  return sessions(query);
}

Result<std::vector<PracticeSession>> PracticeHistory::sessions(const SessionQuery& query) const {
  return store_->sessions(query);
}

nlohmann::json history_json(const std::vector<PracticeSession>& sessions) {
  using nlohmann::json;
  json list = json::array();
  for (const PracticeSession& session : sessions) {
    json holds = json::array();
    for (const HoldRecord& hold : session.holds)
      holds.push_back({{"pose", hold.pose},
                       {"variant", hold.variant},
                       {"start_ms", hold.start_unix_ms},
                       {"duration_s", rounded(hold.duration_s, 3)},
                       {"best_score", rounded(hold.best_score, 2)},
                       {"mean_score", rounded(hold.mean_score, 2)},
                       {"main_correction", hold.main_correction}});
    json sets = json::array();
    for (const SetRecord& set : session.sets)
      sets.push_back({{"exercise", set.exercise},
                      {"set", set.set},
                      {"reps", set.reps},
                      {"partial_reps", set.partial_reps},
                      {"start_ms", set.start_unix_ms},
                      {"duration_s", rounded(set.duration_s, 3)},
                      {"mean_score", rounded(set.mean_score, 2)},
                      {"mean_range", rounded(set.mean_range, 2)},
                      {"main_cue", set.main_cue}});
    const bool open = session.end_unix_ms == 0;
    list.push_back(
        {{"id", session.id},
         {"device", session.device},
         {"model", session.model},
         {"start_ms", session.start_unix_ms},
         {"end_ms", open ? json(nullptr) : json(session.end_unix_ms)},
         {"duration_s",
          open ? json(nullptr)
               : json(rounded((session.end_unix_ms - session.start_unix_ms) / 1000.0, 3))},
         {"holds", std::move(holds)},
         {"sets", std::move(sets)}});
  }
  return {{"sessions", std::move(list)}};
}

}  // namespace posecast
