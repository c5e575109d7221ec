#include "posecast/instructor_command.h"

namespace posecast {

using nlohmann::json;

std::string_view command_name(InstructorCommand::Kind kind) {
  switch (kind) {
    case InstructorCommand::Kind::kTarget:
    case InstructorCommand::Kind::kExerciseTarget:
      return "target";
    case InstructorCommand::Kind::kMessage:
      return "message";
    case InstructorCommand::Kind::kSessionStart:
    case InstructorCommand::Kind::kSessionStop:
      return "session";
    case InstructorCommand::Kind::kModel:
      return "model";
    case InstructorCommand::Kind::kPerson:
      return "person";
    case InstructorCommand::Kind::kViewerLink:
      return "viewer_link";
  }
  return "";
}

namespace {

constexpr int kMaxReps = 1000;

// The fields of one command object, with errors that name the field.
class CommandFields {
 public:
  explicit CommandFields(const json& j) : j_(j) {}

  bool has(const char* name) const { return j_.contains(name); }

  Result<std::string> string(const char* name, bool required, size_t max_length = 0) const {
    if (!j_.contains(name)) {
      if (required) return Error(std::string("command needs a string field '") + name + "'");
      return std::string();
    }
    if (!j_[name].is_string()) return Error(std::string("field '") + name + "' must be a string");
    std::string value = j_[name].get<std::string>();
    if (max_length > 0 && value.size() > max_length)
      return Error(std::string("field '") + name + "' is longer than " +
                   std::to_string(max_length) + " characters");
    return value;
  }

  // A whole number of reps per set, 0 (none) to kMaxReps; absent = 0.
  Result<int> reps() const {
    if (!j_.contains("reps")) return 0;
    const json& reps = j_["reps"];
    if (!reps.is_number_integer() || reps.get<int64_t>() < 0 || reps.get<int64_t>() > kMaxReps)
      return Error("field 'reps' must be a whole number from 0 to " + std::to_string(kMaxReps) +
                   ", not " + reps.dump());
    return static_cast<int>(reps.get<int64_t>());
  }

 private:
  const json& j_;
};

// {"pose": id} or {"exercise": id, "reps": n}: one target at a time; "" clears it.
Status parse_target(const CommandFields& fields, InstructorCommand& c) {
  if (fields.has("pose") && fields.has("exercise"))
    return Error("a target is a 'pose' or an 'exercise', not both");
  if (fields.has("exercise")) {
    Result<std::string> exercise = fields.string("exercise", true, 64);
    if (!exercise) return exercise.error();
    Result<int> reps = fields.reps();
    if (!reps) return reps.error();
    c.kind = InstructorCommand::Kind::kExerciseTarget;
    c.value = exercise.value();
    c.reps = reps.value();
    return Status::Ok();
  }
  if (fields.has("reps")) return Error("field 'reps' needs an 'exercise'");
  if (!fields.has("pose"))
    return Error("command needs a string field 'pose' (or 'exercise' for a rep exercise)");
  Result<std::string> pose = fields.string("pose", true, 64);
  if (!pose) return pose.error();
  c.kind = InstructorCommand::Kind::kTarget;
  c.value = pose.value();
  return Status::Ok();
}

// {"person": id | "all" | 0}: whom the targets are for.
Status parse_person(const json& j, InstructorCommand& c) {
  const std::string expected =
      "a person's id (1, 2, ... as in the results' \"people\"), 0 for "
      "automatic or \"all\" for everyone";
  if (!j.contains("person")) return Error("command needs a field 'person': " + expected);
  const json& person = j["person"];
  c.kind = InstructorCommand::Kind::kPerson;
  if (person.is_string() && person.get_ref<const std::string&>() == "all") {
    c.everyone = true;
    return Status::Ok();
  }
  if (!person.is_number_integer() || person.get<int64_t>() < 0 ||
      person.get<int64_t>() > kMaxPersonId)
    return Error("field 'person' must be " + expected + ", not " + person.dump());
  c.person = static_cast<int>(person.get<int64_t>());
  return Status::Ok();
}

Status parse_session(const CommandFields& fields, InstructorCommand& c) {
  Result<std::string> action = fields.string("action", true);
  if (!action) return action.error();
  if (action.value() == "start")
    c.kind = InstructorCommand::Kind::kSessionStart;
  else if (action.value() == "stop")
    c.kind = InstructorCommand::Kind::kSessionStop;
  else
    return Error("field 'action' must be \"start\" or \"stop\", not \"" + action.value() + "\"");
  return Status::Ok();
}

}  // namespace

Result<InstructorCommand> parse_instructor_command(std::string_view payload) {
  if (payload.size() > 64 * 1024) return Error("command is larger than 64 KiB");
  json j = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Error("command is not valid JSON");
  if (!j.is_object()) return Error("command must be a JSON object");
  const CommandFields fields(j);
  InstructorCommand c;
  Result<std::string> id = fields.string("id", false);
  if (!id) return id.error();
  c.id = id.value();
  Result<std::string> name = fields.string("command", true);
  if (!name) return name.error();
  const std::string& n = name.value();
  Status parsed = Status::Ok();
  if (n == "target") {
    parsed = parse_target(fields, c);
  } else if (n == "message") {
    Result<std::string> text = fields.string("text", true, kMaxMessageLength);
    if (!text) return text.error();
    c.kind = InstructorCommand::Kind::kMessage;
    c.value = text.value();
  } else if (n == "session") {
    parsed = parse_session(fields, c);
  } else if (n == "person") {
    parsed = parse_person(j, c);
  } else if (n == "model") {
    Result<std::string> model = fields.string("model", true);
    if (!model) return model.error();
    if (model->empty()) return Error("field 'model' must not be empty");
    c.kind = InstructorCommand::Kind::kModel;
    c.value = model.value();
  } else if (n == "viewer_link") {
    c.kind = InstructorCommand::Kind::kViewerLink;
  } else {
    return Error("unknown command \"" + n +
                 "\" (known: target, message, session, model, person, viewer_link)");
  }
  if (!parsed.ok()) return parsed.error();
  return c;
}

Result<InstructorCommand> parse_instructor_command(std::string_view command, json fields) {
  if (!fields.is_object()) return Error("command must be a JSON object");
  fields["command"] = command;
  return parse_instructor_command(fields.dump());
}

json instructor_command_json(const InstructorCommand& c) {
  json j = {{"command", command_name(c.kind)}};
  switch (c.kind) {
    case InstructorCommand::Kind::kTarget:
      j["pose"] = c.value;
      break;
    case InstructorCommand::Kind::kExerciseTarget:
      j["exercise"] = c.value;
      if (c.reps > 0) j["reps"] = c.reps;
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
    case InstructorCommand::Kind::kPerson:
      j["person"] = c.everyone ? json("all") : json(c.person);
      break;
    case InstructorCommand::Kind::kViewerLink:
      break;
  }
  if (!c.id.empty()) j["id"] = c.id;
  return j;
}

}  // namespace posecast
