// The MQTT command parser: every payload on `<prefix>/<device>/commands` goes through
// parse_instructor_command. A parsed command must survive the round trip through its JSON form
// (what the class dashboard echoes), so the fuzzer checks that too.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_support.h"
#include "posecast/instructor_command.h"

namespace posecast::fuzz {

Status run_instructor_command(std::string_view payload) {
  Result<InstructorCommand> command = parse_instructor_command(payload);
  if (!command) return command.error();
  const std::string echoed = instructor_command_json(command.value()).dump();
  Result<InstructorCommand> again = parse_instructor_command(echoed);
  if (!again || again->kind != command->kind || again->value != command->value ||
      again->reps != command->reps || again->person != command->person ||
      again->everyone != command->everyone || again->id != command->id)
    std::abort();  // the parser rejects or changes its own output: a bug, not bad input
  return Status::Ok();
}

}  // namespace posecast::fuzz

#ifndef POSECAST_FUZZ_NO_MAIN
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)posecast::fuzz::run_instructor_command(posecast::fuzz::as_text(data, size));
  return 0;
}
#endif
