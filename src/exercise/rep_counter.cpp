// Recognition and sets: every exercise's phase machine watches every frame; the first to finish
// a full rep whose posture held becomes the exercise going on (that rep counts), and stays so
// while its set goes on. A pause of library.set_pause_s ends the set (phase "rest"); the next rep
// of any exercise starts a new set, and after library.forget_after_s of rest none is going on.
#include "posecast/rep_counter.h"

#include <vector>

#include "body_signals.h"
#include "exercise_machine.h"

namespace posecast {

using exercise::BodySignals;
using exercise::ExerciseMachine;
using exercise::MachineEvent;
using Kind = MachineEvent::Kind;

namespace {

// One exercise's counts since the start (or the last reset).
struct Tally {
  int reps = 0;  // in the current set
  int total_reps = 0;
  int partial_reps = 0;
  int set = 0;  // 0: no set yet
  bool resting = false;
  double last_rep_end_s = 0;
  std::optional<RepRecord> last_rep;
};

}  // namespace

struct RepCounter::Impl {
  ExerciseLibrary library;
  ExerciseTarget target;
  std::vector<ExerciseMachine> machines;  // one per library entry, in library order
  std::vector<Tally> tallies;
  int forced = -1;                                 // the target's index, -1 = recognise by itself
  int current = -1;                                // the exercise going on, -1 = none
  std::optional<BodySignals::Anchor> last_anchor;  // where the body was in the frame before
  // A rep that started a new set after a rest: the tally before it, restored if it comes to
  // nothing.
  std::optional<Tally> before_new_set;

  void restart() {
    for (auto& m : machines) m.reset();
    tallies.assign(machines.size(), Tally{});
    before_new_set.reset();
    last_anchor.reset();
    current = forced;
  }

  // Another body than the frame before (exercise_library.h's max_body_jump).
  bool body_jumped(const std::optional<BodySignals>& body) {
    const auto now = body ? body->anchor() : std::nullopt;
    const bool jumped =
        now && last_anchor && BodySignals::jumped(*last_anchor, *now, library.max_body_jump);
    if (now || !body) last_anchor = now;
    return jumped;
  }

  void count(Tally& tally, const RepRecord& rep, bool full) {
    RepRecord record = rep;
    if (full) {
      ++tally.reps;
      ++tally.total_reps;
      record.number = tally.reps;
    } else {
      ++tally.partial_reps;
    }
    tally.last_rep = std::move(record);
    tally.last_rep_end_s = rep.end_s;
    tally.resting = false;
    before_new_set.reset();
  }

  void begin_set(Tally& tally) {
    ++tally.set;
    tally.reps = 0;
    tally.resting = false;
  }

  // An event of the exercise going on.
  void follow_current(const MachineEvent& e) {
    Tally& tally = tallies[current];
    switch (e.kind) {
      case Kind::kStarted:
        if (tally.resting || tally.set == 0) {
          before_new_set = tally;
          begin_set(tally);
        }
        break;
      case Kind::kRep:
      case Kind::kPartial:
        if (tally.set == 0) begin_set(tally);
        count(tally, e.rep, e.kind == Kind::kRep);
        break;
      case Kind::kDropped:
        if (before_new_set) tally = *before_new_set, before_new_set.reset();
        break;
      case Kind::kNone:
        break;
    }
  }

  bool open_to_others() const { return current < 0 || tallies[current].resting; }

  void on_event(int i, const MachineEvent& e) {
    if (i == current) return follow_current(e);
    if (e.kind != Kind::kRep || !open_to_others()) return;
    current = i;  // recognised: this full rep counts, in a new set
    before_new_set.reset();
    begin_set(tallies[i]);
    count(tallies[i], e.rep, true);
  }

  void track_rest(double t_s) {
    if (current < 0) return;
    Tally& tally = tallies[current];
    if (tally.set == 0 || machines[current].in_rep()) return;
    const double paused = t_s - tally.last_rep_end_s;
    if (paused >= library.set_pause_s) tally.resting = true;
    if (tally.resting && paused >= library.forget_after_s && forced < 0) current = -1;
  }

  ExerciseState state(double t_s) const {
    const Tally& tally = tallies[current];
    const ExerciseEntry& entry = machines[current].entry();
    ExerciseState s;
    s.id = entry.id;
    s.name = entry.name;
    s.reps = tally.reps;
    s.total_reps = tally.total_reps;
    s.partial_reps = tally.partial_reps;
    s.set = std::max(1, tally.set);
    s.phase = tally.resting ? "rest" : std::string(phase_name(machines[current].phase()));
    s.rest_s = tally.resting ? t_s - tally.last_rep_end_s : 0;
    s.target_reps = forced >= 0 ? target.reps : 0;
    s.last_rep = tally.last_rep;
    return s;
  }
};

RepCounter::RepCounter(ExerciseLibrary library) : impl_(std::make_unique<Impl>()) {
  impl_->library = std::move(library);
  for (const auto& e : impl_->library.exercises) impl_->machines.emplace_back(e);
  impl_->restart();
}
RepCounter::~RepCounter() = default;
RepCounter::RepCounter(RepCounter&&) noexcept = default;
RepCounter& RepCounter::operator=(RepCounter&&) noexcept = default;

void RepCounter::set_target(const ExerciseTarget& target) {
  Impl& i = *impl_;
  i.target = target;
  i.forced = -1;
  for (size_t k = 0; k < i.machines.size(); ++k)
    if (i.machines[k].entry().id == target.exercise) i.forced = static_cast<int>(k);
  if (i.forced >= 0 && i.current != i.forced) {
    i.current = i.forced;
    i.before_new_set.reset();
  }
}

std::optional<ExerciseState> RepCounter::update(const Pose& pose, bool person, double t_s) {
  Impl& i = *impl_;
  std::optional<BodySignals> body;
  if (person) body.emplace(pose, i.library.min_score, i.library.front_view_width);
  const bool jumped = i.body_jumped(body);
  for (size_t k = 0; k < i.machines.size(); ++k) {
    if (i.forced >= 0 && static_cast<int>(k) != i.forced) continue;
    ExerciseMachine& m = i.machines[k];
    const MachineEvent e = jumped ? m.interrupt() : m.update(body ? &*body : nullptr, t_s);
    if (e.kind != Kind::kNone) i.on_event(static_cast<int>(k), e);
  }
  i.track_rest(t_s);
  if (i.current < 0) return std::nullopt;
  return i.state(t_s);
}

void RepCounter::reset() { impl_->restart(); }

const ExerciseLibrary& RepCounter::library() const { return impl_->library; }

}  // namespace posecast
