// ICE server URLs, and the WebRTC options that name them; see webrtc_ice_servers.h.
#include "webrtc_ice_servers.h"

#include <gst/gst.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "gst_ptr.h"
#include "posecast/host_port.h"

namespace posecast {
namespace publish {
namespace {

std::string escape_userinfo(const std::string& text) {
  const GCharPtr escaped(g_uri_escape_string(text.c_str(), nullptr, FALSE));
  return escaped ? std::string(escaped.get()) : text;
}

// "stun:host:port", "stun://host:port", "turn://user:pass@host:port",
// "turn:host:port?transport=udp" (credentials from the options). HOST[:PORT] as in
// posecast/host_port.h.
Result<IceServer> parse_ice_server(std::string_view url, const WebRtcOptions& options) {
  const auto bad = [&](std::string_view why) {
    return Error("bad ICE server '" + std::string(url) + "': " + std::string(why) +
                 " (expected stun:HOST:PORT or turn://USER:PASSWORD@HOST:PORT)");
  };
  IceServer server;
  const size_t colon = url.find(':');
  if (colon == std::string_view::npos) return bad("no scheme");
  server.scheme = std::string(url.substr(0, colon));
  if (server.scheme != "stun" && server.scheme != "stuns" && server.scheme != "turn" &&
      server.scheme != "turns")
    return bad("the scheme must be stun, stuns, turn or turns");
  std::string_view rest = url.substr(colon + 1);
  if (rest.starts_with("//")) rest.remove_prefix(2);
  if (const size_t query = rest.find('?'); query != std::string_view::npos) {
    const std::string_view parameters = rest.substr(query + 1);
    rest = rest.substr(0, query);
    if (parameters == "transport=udp" || parameters == "transport=tcp")
      server.transport = std::string(parameters.substr(10));
    else
      return bad("the only query parameter understood is transport=udp or transport=tcp");
  }
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const size_t split = userinfo.find(':');
    if (split == std::string_view::npos) return bad("credentials must be USER:PASSWORD@");
    server.username = std::string(userinfo.substr(0, split));
    server.password = std::string(userinfo.substr(split + 1));
  }
  const uint16_t default_port = server.scheme.ends_with('s') ? 5349 : 3478;
  auto address = parse_host_port(rest, HostPortRules::connecting(default_port));
  if (!address) return bad(address.error().message());
  server.host = std::move(address->host);
  server.port = address->port;
  if (server.turn()) {
    if (server.username.empty()) {
      server.username = options.turn_username;
      server.password = options.turn_password;
    }
    if (server.username.empty())
      return bad("a TURN server needs a user name and password (turn://USER:PASSWORD@HOST:PORT)");
  } else if (!server.username.empty()) {
    return bad("a STUN server takes no credentials");
  }
  return server;
}

}  // namespace

Result<std::vector<IceServer>> parse_ice_servers(const WebRtcOptions& options) {
  std::vector<IceServer> servers;
  for (const std::string& url : options.ice_servers) {
    auto server = parse_ice_server(url, options);
    if (!server) return server.error();
    servers.push_back(std::move(server).value());
  }
  return servers;
}

std::string ice_host_port(const IceServer& server) {
  return format_host_port(server.host, server.port);
}

std::string gstreamer_url(const IceServer& server) {
  if (!server.turn()) return "stun://" + ice_host_port(server);
  return server.scheme + "://" + escape_userinfo(server.username) + ":" +
         escape_userinfo(server.password) + "@" + ice_host_port(server) +
         (server.transport.empty() ? "" : "?transport=" + server.transport);
}

}  // namespace publish

Status check_webrtc_options(const WebRtcOptions& options) {
  auto servers = publish::parse_ice_servers(options);
  if (!servers) return servers.error();
  if ((options.udp_port_min == 0) != (options.udp_port_max == 0) ||
      options.udp_port_min > options.udp_port_max)
    return Error("bad WebRTC UDP port range " + std::to_string(options.udp_port_min) + "-" +
                 std::to_string(options.udp_port_max) + ": give MIN <= MAX, or neither");
  if (options.max_peers < 1) return Error("WebRTC max_peers must be >= 1");
  if (options.max_queued_frames < 1) return Error("WebRTC max_queued_frames must be >= 1");
  return Status::Ok();
}

nlohmann::json browser_ice_servers(const WebRtcOptions& options) {
  nlohmann::json list = nlohmann::json::array();
  auto servers = publish::parse_ice_servers(options);
  if (!servers) return list;
  for (const publish::IceServer& server : servers.value()) {
    nlohmann::json entry = {
        {"urls", server.scheme + ":" + publish::ice_host_port(server) +
                     (server.transport.empty() ? "" : "?transport=" + server.transport)}};
    if (server.turn()) {
      entry["username"] = server.username;
      entry["credential"] = server.password;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace posecast
