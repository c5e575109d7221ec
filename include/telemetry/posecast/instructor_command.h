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
// {"command":"person","person":2}           with several people: coach person 2 (their id in
//                                            the results' "people"): they become the primary
//                                            person and get the targets
// {"command":"person","person":"all"}       the targets apply to everyone
// {"command":"person","person":0}           automatic: the largest and most central person
// {"command":"viewer_link"}                  the class dashboard asks for a short-lived signed
//                                            viewer URL; the device answers on its `viewer`
//                                            topic (mqtt_telemetry.h), the pipeline never sees it
// Every command may carry "id" (a string echoed in replies and errors).
struct InstructorCommand {
  enum class Kind {
    kTarget,
    kExerciseTarget,
    kMessage,
    kSessionStart,
    kSessionStop,
    kModel,
    kPerson,
    kViewerLink
  };
  Kind kind = Kind::kTarget;
  std::string value;      // pose, exercise, text, or model; empty for sessions and kPerson
  int reps = 0;           // kExerciseTarget: reps wanted per set, 0 = none
  int person = 0;         // kPerson: the person's id, 0 = automatic
  bool everyone = false;  // kPerson: "all"
  std::string id;
};

inline constexpr size_t kMaxMessageLength = 200;
// Person ids grow as people come and go (a tracker never reuses one); this only bounds them.
inline constexpr int kMaxPersonId = 1'000'000;

// Errors say what is wrong ("commands: field 'pose' must be a string"), for the `errors` topic.
// Whether the pose or exercise exists is for the device to say (it knows its libraries).
Result<InstructorCommand> parse_instructor_command(std::string_view payload);
// A command given as its fields without "command" (the body of the viewer's POST /api/person
// {"person": 2}): the same checks and errors as parse_instructor_command.
Result<InstructorCommand> parse_instructor_command(std::string_view command, nlohmann::json fields);
nlohmann::json instructor_command_json(const InstructorCommand& command);
std::string_view command_name(InstructorCommand::Kind kind);

}  // namespace posecast
