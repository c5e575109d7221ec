#include "posecast/instructor_command.h"

namespace posecast {

using nlohmann::json;

std::string_view command_name(InstructorCommand::Kind kind) {
  switch (kind) {
    case InstructorCommand::Kind::kTarget:
      return "target";
    case InstructorCommand::Kind::kMessage:
      return "message";
    case InstructorCommand::Kind::kSessionStart:
    case InstructorCommand::Kind::kSessionStop:
      return "session";
    case InstructorCommand::Kind::kModel:
      return "model";
  }
  return "";
}

Result<InstructorCommand> parse_instructor_command(std::string_view payload) {
  if (payload.size() > 64 * 1024) return Error("command is larger than 64 KiB");
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("command is not valid JSON");
  if (!j.is_object()) return Error("command must be a JSON object");
  auto string_field = [&](const char* name, bool required) -> Result<std::string> {
    if (!j.contains(name)) {
      if (required) return Error(std::string("command needs a string field '") + name + "'");
      return std::string();
    }
    if (!j[name].is_string()) return Error(std::string("field '") + name + "' must be a string");
    return j[name].get<std::string>();
  };
  InstructorCommand c;
  Result<std::string> id = string_field("id", false);
  if (!id) return id.error();
  c.id = id.value();
  Result<std::string> name = string_field("command", true);
  if (!name) return name.error();
  const std::string& n = name.value();
  if (n == "target") {
    Result<std::string> pose = string_field("pose", true);
    if (!pose) return pose.error();
    if (pose->size() > 64) return Error("field 'pose' is longer than 64 characters");
    c.kind = InstructorCommand::Kind::kTarget;
    c.value = pose.value();
  } else if (n == "message") {
    Result<std::string> text = string_field("text", true);
    if (!text) return text.error();
    if (text->size() > kMaxMessageLength)
      return Error("field 'text' is longer than " + std::to_string(kMaxMessageLength) +
                   " characters");
    c.kind = InstructorCommand::Kind::kMessage;
    c.value = text.value();
  } else if (n == "session") {
    Result<std::string> action = string_field("action", true);
    if (!action) return action.error();
    if (action.value() == "start")
      c.kind = InstructorCommand::Kind::kSessionStart;
    else if (action.value() == "stop")
      c.kind = InstructorCommand::Kind::kSessionStop;
    else
      return Error("field 'action' must be \"start\" or \"stop\", not \"" + action.value() + "\"");
  } else if (n == "model") {
    Result<std::string> model = string_field("model", true);
    if (!model) return model.error();
    if (model->empty()) return Error("field 'model' must not be empty");
    c.kind = InstructorCommand::Kind::kModel;
    c.value = model.value();
  } else {
    return Error("unknown command \"" + n + "\" (known: target, message, session, model)");
  }
  return c;
}

json instructor_command_json(const InstructorCommand& c) {
  json j = {{"command", command_name(c.kind)}};
  switch (c.kind) {
    case InstructorCommand::Kind::kTarget:
      j["pose"] = c.value;
      break;
    case InstructorCommand::Kind::kMessage:
      j["text"] = c.value;
      break;
    case InstructorCommand::Kind::kSessionStart:
      j["action"] = "start";
      break;
    case InstructorCommand::Kind::kSessionStop:
      j["action"] = "stop";
      break;
    case InstructorCommand::Kind::kModel:
      j["model"] = c.value;
      break;
  }
  if (!c.id.empty()) j["id"] = c.id;
  return j;
}

}  // namespace posecast
