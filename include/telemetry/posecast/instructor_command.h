// Commands from the instructor to a student's device (MQTT `<prefix>/<device>/commands`, the class
// dashboard): validated in full before anything is applied, so a bad command never half-applies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// {"command":"target","pose":"tree"}        coach this pose ("" clears)
// {"command":"target","exercise":"squat","reps":10}
//                                            count this rep exercise, 10 reps a set ("reps"
//                                            optional, 0-1000; "" recognises it by itself).
//                                            A pose target replaces an exercise and back.
// {"command":"message","text":"Breathe"}    a line on the student's overlay ("" clears)
// {"command":"session","action":"start"}    start / stop a practice session
// {"command":"model","model":"builtin"}     switch the classifier (builtin or a model file)
// Every command may carry "id" (a string echoed in replies and errors).
struct InstructorCommand {
  enum class Kind { kTarget, kExerciseTarget, kMessage, kSessionStart, kSessionStop, kModel };
  Kind kind = Kind::kTarget;
  std::string value;  // pose, exercise, text, or model; empty for sessions
  int reps = 0;       // kExerciseTarget: reps wanted per set, 0 = none
  std::string id;
};

inline constexpr size_t kMaxMessageLength = 200;

// Errors say what is wrong ("commands: field 'pose' must be a string"), for the `errors` topic.
// Whether the pose or exercise exists is for the device to say (it knows its libraries).
Result<InstructorCommand> parse_instructor_command(std::string_view payload);
nlohmann::json instructor_command_json(const InstructorCommand& command);
std::string_view command_name(InstructorCommand::Kind kind);

}  // namespace posecast
