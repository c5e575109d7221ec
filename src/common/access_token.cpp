#include "posecast/access_token.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

#include "posecast/user_dirs.h"

namespace posecast {

namespace fs = std::filesystem;

fs::path default_access_token_path() { return user_config_dir() / "access-token"; }

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

namespace {

bool is_token(std::string_view text) {
  if (text.size() < 32 || text.size() > 128) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string new_token() {
  std::random_device random;  // /dev/urandom on Linux
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (int i = 0; i < 8; ++i) {
    uint32_t word = random();
    for (int j = 0; j < 8; ++j, word >>= 4) token += kHex[word & 15];
  }
  return token;
}

std::string hex_hmac_sha256(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 15];
  }
  return hex;
}

constexpr std::string_view kCredentialVersion = "v1-";

}  // namespace

std::string sign_viewer_credential(std::string_view token, std::string_view device,
                                   int64_t expires_unix_s) {
  const std::string expiry = std::to_string(expires_unix_s);
  return std::string(kCredentialVersion) + expiry + "-" +
         hex_hmac_sha256(token, "posecast viewer\n" + std::string(device) + "\n" + expiry);
}

bool valid_viewer_credential(std::string_view credential, std::string_view token,
                             std::string_view device, int64_t now_unix_s) {
  if (token.empty() || !credential.starts_with(kCredentialVersion)) return false;
  const std::string_view rest = credential.substr(kCredentialVersion.size());
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string_view::npos || dash > 12) return false;
  int64_t expiry = 0;
  for (char c : rest.substr(0, dash)) {
    if (c < '0' || c > '9') return false;
    expiry = expiry * 10 + (c - '0');
  }
  if (expiry <= now_unix_s) return false;
  return constant_time_equal(credential, sign_viewer_credential(token, device, expiry));
}

std::string janus_pin(std::string_view token) {
  return hex_hmac_sha256(token, "posecast janus pin").substr(0, 32);
}

Result<std::string> load_or_create_access_token(const fs::path& path) {
  const std::string where = "access token " + path.string();
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (info.st_mode & (S_IRWXG | S_IRWXO))
      return Error(where + ": readable by others (rights " + [&] {
        std::ostringstream octal;
        octal << std::oct << (info.st_mode & 0777);
        return octal.str();
      }() + "); run chmod 600 on it, or delete it for a new token");
    std::ifstream in(path);
    std::string token;
    if (!in || !std::getline(in, token)) return Error(where + ": cannot read it");
    if (!is_token(token))
      return Error(where +
                   ": not a token (32-128 letters, digits, '-' or '_'); delete it for a new one");
    return token;
  }
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return Error(where + ": " + ec.message());
  const std::string token = new_token();
  // O_EXCL: two processes starting at once must not hand out two different tokens.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return load_or_create_access_token(path);
    return Error(where + ": " + std::strerror(errno));
  }
  const std::string line = token + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!written) return Error(where + ": cannot write it");
  return token;
}

}  // namespace posecast
