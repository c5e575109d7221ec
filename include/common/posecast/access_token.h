// The access token that guards posecast's video, results and controls: made once, at random, kept
// in a file only its owner can read, and compared in constant time.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "posecast/status.h"

namespace posecast {

// user_config_dir()/access-token
std::filesystem::path default_access_token_path();

// The token in `path`; when the file is missing, a new one (32 random bytes as 64 hex digits from
// the system's random device) written there with rights 0600. A file that is readable by others,
// empty, or not a token is an error naming it (a token others can read protects nothing).
Result<std::string> load_or_create_access_token(const std::filesystem::path& path);

// Equal strings, in time that depends on the lengths only, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace posecast
