// The access token that guards posecast's video, results and controls: made once, at random, kept
// in a file only its owner can read, and compared in constant time.
#pragma once

#include <cstdint>
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

// A short-lived viewer link's credential (docs/class.md): "v1-EXPIRY-MAC", EXPIRY in Unix seconds
// and MAC = HMAC-SHA256(key: the access token, "posecast viewer\n" DEVICE "\n" EXPIRY) as 64
// hex digits. It goes where the token goes (?token=, the cookie, Bearer) and lets its holder
// watch `device` until EXPIRY; a new token (rotating the token file) revokes every link made with
// the old one. Only URL- and cookie-safe characters.
std::string sign_viewer_credential(std::string_view token, std::string_view device,
                                   int64_t expires_unix_s);
// Whether `credential` is one sign_viewer_credential made with `token` for `device` that has not
// expired at `now_unix_s`. Compared in constant time.
bool valid_viewer_credential(std::string_view credential, std::string_view token,
                             std::string_view device, int64_t now_unix_s);

// The pin of the Janus mountpoints of a device with this token (docs/streaming.md): the first 32
// hex digits of HMAC-SHA256(key: the token, "posecast janus pin"). scripts/start-janus.sh makes
// the same pin from the same token file, and posecast shows it only to viewers with the token.
std::string janus_pin(std::string_view token);

}  // namespace posecast
