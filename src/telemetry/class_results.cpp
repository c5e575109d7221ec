#include "posecast/class_results.h"

#include <utility>

#include "posecast/class_roster.h"

namespace posecast {

using nlohmann::json;

namespace {

std::string text_field(const json& j, const char* field) {
  const auto it = j.find(field);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <class T>
T number_field(const json& j, const char* field, T otherwise = 0) {
  const auto it = j.find(field);
  return it != j.end() && it->is_number() ? it->get<T>() : otherwise;
}

// Older devices send corrections without "cue": the words before the measurement are the cue
// ("Straighten your left knee: 148° → 175°").
std::string correction_cue(const json& correction) {
  if (correction.is_string()) return correction.get<std::string>();
  if (!correction.is_object()) return "";
  if (std::string cue = text_field(correction, "cue"); !cue.empty()) return cue;
  const std::string text = text_field(correction, "text");
  return text.substr(0, text.find(':'));
}

std::optional<ExerciseState> tracked_exercise(const json& j) {
  const auto it = j.find("exercise");
  if (it == j.end() || !it->is_object()) return std::nullopt;
  const json& x = *it;
  ExerciseState e;
  e.id = text_field(x, "id");
  if (e.id.empty()) return std::nullopt;
  e.name = text_field(x, "name");
  e.reps = number_field<int>(x, "reps");
  e.total_reps = number_field<int>(x, "total_reps");
  e.partial_reps = number_field<int>(x, "partial_reps");
  e.set = number_field<int>(x, "set", 1);
  e.phase = text_field(x, "phase");
  const auto last = x.find("last_rep");
  if (last != x.end() && last->is_object()) {
    RepRecord rep;
    rep.range = number_field<float>(*last, "range");
    rep.score = number_field<int>(*last, "score");
    rep.cue = text_field(*last, "cue");
    rep.partial = last->contains("partial") && (*last)["partial"].is_boolean() &&
                  (*last)["partial"].get<bool>();
    rep.end_s =
        number_field<double>(*last, "tempo_down_s") + number_field<double>(*last, "tempo_up_s");
    e.last_rep = rep;
  }
  return e;
}

}  // namespace

FrameResult tracked_result(const json& j) {
  FrameResult r;
  if (!j.is_object()) return r;
  r.capture_unix_ms = number_field<int64_t>(j, "ts");
  r.classification.decision = text_field(j, "decision");
  r.classification.variant = text_field(j, "variant");
  r.target = text_field(j, "target");
  if (j.contains("score") && j["score"].is_number()) {
    CoachReport coach;
    // With a target the device scores the target pose, whatever the student holds.
    coach.pose = r.target.empty() ? r.classification.decision : r.target;
    coach.score = static_cast<int>(j["score"].get<double>() + 0.5);
    const auto corrections = j.find("corrections");
    if (corrections != j.end() && corrections->is_array() && !corrections->empty()) {
      Correction first;
      first.cue = correction_cue(corrections->front());
      if (!first.cue.empty()) coach.corrections.push_back(std::move(first));
    }
    r.coach = std::move(coach);
  }
  r.exercise = tracked_exercise(j);
  return r;
}

ClassResults::ClassResults(std::unique_ptr<PracticeStore> store, std::string prefix,
                           std::chrono::milliseconds session_gap)
    : store_(std::move(store)), prefix_(std::move(prefix)), session_gap_(session_gap) {}

ClassResults::~ClassResults() = default;

void ClassResults::apply(std::string_view topic, std::string_view payload, int64_t now_ms) {
  Result<ClassTopic> parsed = parse_class_topic(prefix_, topic);
  if (!parsed || payload.empty() || parsed->leaf == "errors" || parsed->leaf == "viewer") return;
  const json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return;
  const std::string& id = parsed->device;
  std::lock_guard lock(devices_mutex_);
  if (parsed->leaf == "status") {
    const std::string state = text_field(j, "state");
    auto found = devices_.find(id);
    if (state == "online") {
      if (found == devices_.end()) found = devices_.emplace(id, std::make_unique<Device>()).first;
      found->second->model = text_field(j, "model");
    } else if (state == "offline" && found != devices_.end()) {
      end_device(id, *found->second, now_ms);
    }
    return;
  }
  if (!j.contains("decision") || !j["decision"].is_string()) return;
  const FrameResult r = tracked_result(j);
  auto& slot = devices_[id];
  if (!slot) slot = std::make_unique<Device>();
  Device& d = *slot;
  if (d.last_seen_ms != 0 && now_ms - d.last_seen_ms > session_gap_.count())
    end_device(id, d, now_ms);
  d.last_seen_ms = now_ms;
  if (r.capture_unix_ms <= d.last_result_ms) return;  // a repeat, or from before a restart
  d.last_result_ms = r.capture_unix_ms;
  if (std::optional<HoldRecord> hold = d.holds.update(r)) {
    queue({Pending::Kind::kHold, id, d.model, 0, std::move(*hold), {}});
    d.in_session = true;
  }
  if (std::optional<SetRecord> set = d.sets.update(r)) {
    queue({Pending::Kind::kSet, id, d.model, 0, {}, std::move(*set)});
    d.in_session = true;
  }
}

void ClassResults::end_device(const std::string& id, Device& d, int64_t end_ms) {
  if (std::optional<HoldRecord> hold = d.holds.flush()) {
    queue({Pending::Kind::kHold, id, d.model, 0, std::move(*hold), {}});
    d.in_session = true;
  }
  if (std::optional<SetRecord> set = d.sets.flush()) {
    queue({Pending::Kind::kSet, id, d.model, 0, {}, std::move(*set)});
    d.in_session = true;
  }
  // The session ends with the device's last result, not when the dashboard noticed.
  if (d.in_session)
    queue({Pending::Kind::kEnd, id, d.model, d.last_result_ms ? d.last_result_ms : end_ms, {}, {}});
  d.in_session = false;
}

void ClassResults::queue(Pending write) {
  queue_.push_back(std::move(write));
  std::lock_guard lock(stats_mutex_);
  stats_.pending = queue_.size();
}

size_t ClassResults::flush() {
  std::lock_guard writing(write_mutex_);
  while (true) {
    Pending next;
    {
      std::lock_guard lock(devices_mutex_);
      if (queue_.empty()) break;
      next = queue_.front();  // only this loop pops: it stays the front while we write
    }
    if (!write(next)) break;
    std::lock_guard lock(devices_mutex_);
    queue_.pop_front();
    std::lock_guard stats(stats_mutex_);
    stats_.pending = queue_.size();
  }
  std::lock_guard lock(devices_mutex_);
  return queue_.size();
}

bool ClassResults::write(const Pending& w) {
  // A refusal that is not the store being away: reported and dropped.
  auto failed = [this](const Error& e) {
    const bool away = !store_->reachable();
    std::lock_guard lock(stats_mutex_);
    stats_.reachable = !away;
    stats_.last_problem = e.message();
    if (!away) ++stats_.dropped;
    return !away;
  };
  const auto open = open_sessions_.find(w.device);
  if (w.kind == Pending::Kind::kEnd) {
    if (open == open_sessions_.end()) return true;
    if (Status s = store_->end_session(open->second, w.end_ms); !s.ok()) {
      if (!failed(s.error())) return false;
    }
    open_sessions_.erase(open);
    return true;
  }
  int64_t session = 0;
  if (open != open_sessions_.end()) {
    session = open->second;
  } else {
    const int64_t start =
        w.kind == Pending::Kind::kHold ? w.hold.start_unix_ms : w.set.start_unix_ms;
    Result<int64_t> id = store_->start_session(w.device, w.model, start);
    if (!id) return failed(id.error());
    session = open_sessions_[w.device] = *id;
  }
  const Status s = w.kind == Pending::Kind::kHold ? store_->add_hold(session, w.hold)
                                                  : store_->add_set(session, w.set);
  if (!s.ok()) return failed(s.error());
  std::lock_guard lock(stats_mutex_);
  ++(w.kind == Pending::Kind::kHold ? stats_.holds : stats_.sets);
  stats_.reachable = true;
  return true;
}

void ClassResults::stop(int64_t now_ms) {
  {
    std::lock_guard lock(devices_mutex_);
    for (auto& [id, device] : devices_) end_device(id, *device, now_ms);
  }
  flush();
}

Result<std::vector<PracticeSession>> ClassResults::sessions(const SessionQuery& query) const {
  return store_->sessions(query);
}

Result<std::vector<std::string>> ClassResults::students() const { return store_->devices(); }

ClassResultsStats ClassResults::stats() const {
  std::lock_guard lock(stats_mutex_);
  ClassResultsStats s = stats_;
  s.reachable = store_->reachable();
  return s;
}

}  // namespace posecast
