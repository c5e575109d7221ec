#include "posecast/rep_counter.h"

namespace posecast {

// SKELETON: counts nothing yet; the real counter replaces this.
struct RepCounter::Impl {
  ExerciseLibrary library;
  ExerciseTarget target;
};

RepCounter::RepCounter(ExerciseLibrary library) : impl_(std::make_unique<Impl>()) {
  impl_->library = std::move(library);
}
RepCounter::~RepCounter() = default;
RepCounter::RepCounter(RepCounter&&) noexcept = default;
RepCounter& RepCounter::operator=(RepCounter&&) noexcept = default;

void RepCounter::set_target(const ExerciseTarget& target) { impl_->target = target; }

std::optional<ExerciseState> RepCounter::update(const Pose&, bool, double) { return std::nullopt; }

void RepCounter::reset() {}

const ExerciseLibrary& RepCounter::library() const { return impl_->library; }

}  // namespace posecast
