// One reader for every address a flag takes: --http, --rtsp, the HOST[:PORT] of --publish URLs
// and of --ice-server URLs. The rules are the same everywhere:
//   HOST:PORT      127.0.0.1:8080, media.example:1935
//   [IPV6]:PORT    [::1]:8080, [fe80::1%eth0]:8554; an IPv6 address always goes in brackets
//                  (a bare ::1 or ::1:80 is refused: which colon starts the port?)
//   HOST, [IPV6]   where the caller has a default port (rtmp://, stun:)
//   :PORT, PORT    where the caller has a default host (addresses posecast listens on)
// A host name is letters, digits, '.', '-' and '_'; a port is a decimal number 1-65535 (0-65535
// where port 0 means "any free port").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "posecast/status.h"

namespace posecast {

struct HostPortRules {
  // The host of ":PORT" and of a bare "PORT". Unset: the host is required, and a text without
  // ':' is a host name.
  std::optional<std::string> default_host;
  // The port of "HOST" and "[IPV6]". Unset: the port is required.
  std::optional<uint16_t> default_port;
  // Port 0 ("any free port") is accepted: for addresses posecast listens on.
  bool allow_port_zero = false;

  // An address posecast listens on (--http, --rtsp): ":PORT" and "PORT" keep `host`, and port 0
  // is any free port.
  static HostPortRules listening(std::string host) {
    HostPortRules rules;
    rules.default_host = std::move(host);
    rules.allow_port_zero = true;
    return rules;
  }
  // An address posecast connects to (--publish, --ice-server): the host is required, and
  // `port` stands in when the text has none (std::nullopt: the port is required too).
  static HostPortRules connecting(std::optional<uint16_t> port) {
    HostPortRules rules;
    rules.default_port = port;
    return rules;
  }
};

struct HostPort {
  std::string host;  // an IPv6 address without its brackets
  uint16_t port = 0;
};

// `text` read by the rules above. The error is the reason alone, naming the part that is wrong
// ("port '99999' is not a number 1-65535", "no host"); callers put the flag and the whole text
// in front: "bad --rtsp address '127.0.0.1:99999': port '99999' is not a number 0-65535".
Result<HostPort> parse_host_port(std::string_view text, const HostPortRules& rules);

// The host as it goes into a URL or a HOST:PORT text: an IPv6 address in brackets.
std::string bracket_ipv6(std::string_view host);

// "HOST:PORT" with an IPv6 host in brackets: what parse_host_port reads back.
std::string format_host_port(std::string_view host, uint16_t port);

}  // namespace posecast
