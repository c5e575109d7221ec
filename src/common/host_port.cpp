// The one HOST:PORT reader; the rules are in include/common/posecast/host_port.h.
#include "posecast/host_port.h"

#include <algorithm>
#include <charconv>

namespace posecast {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

Status check_host_name(std::string_view host) {
  const auto bad = std::find_if_not(host.begin(), host.end(), is_name_char);
  if (bad == host.end()) return Status::Ok();
  return Error("bad character '" + std::string(1, *bad) + "' in the host '" + std::string(host) +
               "' (a host name is letters, digits, '.', '-' and '_')");
}

// Hex digits, ':' and '.' (an embedded IPv4 address), then an optional "%ZONE" (an interface).
Status check_ipv6(std::string_view host) {
  const std::string_view address = host.substr(0, host.find('%'));
  const std::string_view zone =
      address.size() < host.size() ? host.substr(address.size() + 1) : std::string_view();
  const bool address_ok = address.find(':') != std::string_view::npos &&
                          std::all_of(address.begin(), address.end(), [](char c) {
                            return is_hex_digit(c) || c == ':' || c == '.';
                          });
  const bool zone_ok = address.size() == host.size() ||
                       (!zone.empty() && std::all_of(zone.begin(), zone.end(), is_name_char));
  if (address_ok && zone_ok) return Status::Ok();
  return Error("'[" + std::string(host) + "]' is not an IPv6 address (only those go in brackets)");
}

Result<uint16_t> parse_port(std::string_view text, bool allow_zero) {
  if (text.empty()) return Error("no port");
  unsigned port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  const unsigned lowest = allow_zero ? 0 : 1;
  if (ec != std::errc() || end != text.data() + text.size() || port < lowest || port > 65535)
    return Error("port '" + std::string(text) + "' is not a number " + std::to_string(lowest) +
                 "-65535");
  return static_cast<uint16_t>(port);
}

// The text split into its host and port parts, checking the host's form; `port` stays unset
// when the text has none.
struct SplitAddress {
  std::string_view host;
  std::optional<std::string_view> port;
};

Result<SplitAddress> split_host_port(std::string_view text, bool bare_port) {
  SplitAddress split;
  if (text.starts_with('[')) {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return Error("unclosed '[' in the host");
    split.host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error("expected ':PORT' after ']'");
      split.port = rest.substr(1);
    }
    if (split.host.empty()) return Error("no host");
    if (Status s = check_ipv6(split.host); !s) return s.error();
    return split;
  }
  if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    split.host = text.substr(0, colon);
    split.port = text.substr(colon + 1);
  } else if (bare_port) {
    split.port = text;
  } else {
    split.host = text;
  }
  if (split.host.find(':') != std::string_view::npos)
    return Error("write an IPv6 address in brackets: [ADDRESS]:PORT");
  if (Status s = check_host_name(split.host); !s) return s.error();
  return split;
}

}  // namespace

Result<HostPort> parse_host_port(std::string_view text, const HostPortRules& rules) {
  auto split = split_host_port(text, rules.default_host.has_value());
  if (!split) return split.error();
  HostPort address;
  if (!split->host.empty()) {
    address.host = std::string(split->host);
  } else if (rules.default_host) {
    address.host = *rules.default_host;
  } else {
    return Error("no host");
  }
  if (split->port) {
    auto port = parse_port(*split->port, rules.allow_port_zero);
    if (!port) return port.error();
    address.port = *port;
  } else if (rules.default_port) {
    address.port = *rules.default_port;
  } else {
    return Error("no port");
  }
  return address;
}

std::string bracket_ipv6(std::string_view host) {
  if (host.find(':') == std::string_view::npos) return std::string(host);
  return "[" + std::string(host) + "]";
}

std::string format_host_port(std::string_view host, uint16_t port) {
  return bracket_ipv6(host) + ":" + std::to_string(port);
}

}  // namespace posecast
