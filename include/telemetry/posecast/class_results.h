// What the class dashboard keeps of each student: the holds and sets in the results each device
// publishes, found by the same HoldTracker and SetTracker a device uses for its own history, and
// stored per device in a PracticeStore (an SQLite file, or PostgreSQL for a studio's server).
//
// A device's session on the dashboard starts with its first hold or set and ends when its status
// says offline, when no result came for `session_gap` (the next hold starts a new one), or when
// the dashboard stops.
//
// Nothing is lost while the store is away (a database server restarting): apply() only queues,
// and flush() writes what waits, in order; a write the store could not make because it is
// unreachable stays first in the queue until it is back. A write the store refuses for another
// reason is dropped and reported (last_problem), so one bad record cannot block the rest.
//
// Threading: apply() on the MQTT thread, flush() on the dashboard's loop, the readers on the
// server's threads; all may run at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "posecast/practice_history.h"
#include "posecast/practice_store.h"
#include "posecast/status.h"

namespace posecast {

struct ClassResultsStats {
  int64_t holds = 0;    // written to the store
  int64_t sets = 0;     // written to the store
  size_t pending = 0;   // waiting for the store
  int64_t dropped = 0;  // refused by the store (not for being unreachable)
  bool reachable = true;
  std::string last_problem;
};

class ClassResults {
 public:
  ClassResults(std::unique_ptr<PracticeStore> store, std::string prefix = "posecast",
               std::chrono::milliseconds session_gap = std::chrono::minutes(10));
  ~ClassResults();

  // One MQTT message of the class's topics (as ClassRoster::apply takes it). Results feed the
  // device's trackers; an offline status ends its session. Messages it cannot use are ignored:
  // the roster reports them.
  void apply(std::string_view topic, std::string_view payload, int64_t now_ms);
  // Writes what waits while the store takes it; returns how many writes still wait.
  size_t flush();
  // Ends every device's hold, set and session at `now_ms` and flushes.
  void stop(int64_t now_ms);

  // The store's sessions and devices (errors name the store).
  Result<std::vector<PracticeSession>> sessions(const SessionQuery& query) const;
  Result<std::vector<std::string>> students() const;
  ClassResultsStats stats() const;

  // One queued write: a hold or a set of `device` (into its open session, started if none is),
  // or the end of its session.
  struct Pending {
    enum class Kind { kHold, kSet, kEnd } kind = Kind::kEnd;
    std::string device;
    std::string model;
    int64_t end_ms = 0;  // kEnd
    HoldRecord hold;
    SetRecord set;
  };

 private:
  struct Device {
    HoldTracker holds;
    SetTracker sets;
    std::string model;
    int64_t last_result_ms = 0;  // the device's capture time of its last result
    int64_t last_seen_ms = 0;    // when it arrived (this machine's clock)
    bool in_session = false;     // a hold or set was queued since the session began
  };

  void end_device(const std::string& id, Device& device, int64_t end_ms);
  void queue(Pending write);
  // Writes `w`; false when it must wait (the store is unreachable).
  bool write(const Pending& w);

  std::unique_ptr<PracticeStore> store_;
  std::string prefix_;
  std::chrono::milliseconds session_gap_;

  mutable std::mutex devices_mutex_;  // guards devices_ and queue_
  std::map<std::string, std::unique_ptr<Device>> devices_;
  std::deque<Pending> queue_;

  std::mutex write_mutex_;                        // one flush at a time; guards open_sessions_
  std::map<std::string, int64_t> open_sessions_;  // device -> its open session in the store

  mutable std::mutex stats_mutex_;
  ClassResultsStats stats_;
};

// The fields of a device's MQTT result (schemas/mqtt-results.schema.json) that HoldTracker and
// SetTracker read, as a FrameResult: decision, variant, capture time, target, the coach's score
// and first cue, and the exercise. Fields it lacks stay empty.
FrameResult tracked_result(const nlohmann::json& mqtt_result);

}  // namespace posecast
