#include "access_control.h"

#include <chrono>
#include <nlohmann/json.hpp>

#include "posecast/access_token.h"

namespace posecast::stream {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

HttpResponse refusal(int status, std::string_view message) {
  // The message may quote request headers (Origin, Host): any bytes, so invalid UTF-8 becomes
  // U+FFFD instead of dump() throwing (found by fuzzing).
  HttpResponse answer{status,
                      "application/json",
                      nlohmann::json{{"error", message}}.dump(
                          -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                          "\n",
                      {}};
  if (status == 401) answer.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"posecast\"");
  answer.headers.emplace_back("Cache-Control", "no-store");
  return answer;
}

// "http://127.0.0.1:8080" -> "127.0.0.1:8080"; "" when it is not an http(s) origin.
std::string_view origin_authority(std::string_view origin) {
  for (std::string_view scheme : {"http://", "https://"})
    if (origin.starts_with(scheme)) return origin.substr(scheme.size());
  return {};
}

bool is_page(std::string_view path) {
  return path == "/" || path.ends_with(".html") || path == "/progress" ||
         path.starts_with("/report/");
}

// 200, not 204: nginx-rtmp's notify client wants a body length to read.
HttpResponse allowed() {
  return {200, "application/json", "{\"ok\":true}\n", {{"Cache-Control", "no-store"}}};
}

std::string_view bearer_of(std::string_view authorization) {
  if (authorization.size() > 7 &&
      (authorization.starts_with("Bearer ") || authorization.starts_with("bearer ")))
    return trim(authorization.substr(7));
  return {};
}

}  // namespace

std::string_view parameter(std::string_view text, std::string_view name, char separator) {
  while (!text.empty()) {
    const size_t end = text.find(separator);
    std::string_view item = trim(text.substr(0, end));
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=')
      return item.substr(name.size() + 1);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return {};
}

std::string without_token(std::string_view target) {
  const size_t question = target.find('?');
  if (question == std::string_view::npos) return std::string(target);
  std::string kept;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    const size_t end = query.find('&');
    const std::string_view item = query.substr(0, end);
    if (!item.starts_with("token=") && !item.empty()) {
      if (!kept.empty()) kept += '&';
      kept.append(item);
    }
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return std::string(target.substr(0, question)) + (kept.empty() ? "" : "?" + kept);
}

AccessControl::AccessControl(std::string token, uint16_t port, bool secure, std::string device)
    : token_(std::move(token)),
      device_(std::move(device)),
      cookie_name_("posecast_token_" + std::to_string(port)),
      secure_(secure) {}

bool AccessControl::valid(std::string_view candidate) const {
  if (candidate.empty()) return false;
  if (constant_time_equal(candidate, token_)) return true;
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  return valid_viewer_credential(candidate, token_, device_, now_s);
}

HttpResponse AccessControl::authorize_media(const AccessRequest& r,
                                            std::string_view form_body) const {
  if (!enabled()) return allowed();
  std::string_view shown = bearer_of(r.authorization);
  const size_t question = r.target.find('?');
  if (shown.empty() && question != std::string_view::npos)
    shown = parameter(r.target.substr(question + 1), "token", '&');
  if (shown.empty()) shown = parameter(form_body, "token", '&');
  if (shown.empty()) return refusal(401, "access token required");
  if (!valid(shown)) return refusal(403, "wrong, expired or revoked access token");
  return allowed();
}

AccessDecision AccessControl::check(const AccessRequest& r) const {
  AccessDecision decision;
  const std::string_view target = r.target;
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  // A browser's POST or WebSocket from another site's page: refused whatever it carries.
  const bool unsafe = r.method == "POST" || r.websocket;
  if (unsafe && !r.origin.empty() && origin_authority(r.origin) != r.host) {
    decision.instead = refusal(403, "cross-origin request refused: " + std::string(r.origin) +
                                        " is not this server (" + std::string(r.host) + ")");
    return decision;
  }
  if (unsafe && r.origin.empty() && r.sec_fetch_site == "cross-site") {
    decision.instead = refusal(403, "cross-site request refused");
    return decision;
  }
  if (!enabled()) return decision;

  const std::string_view bearer = bearer_of(r.authorization);
  const std::string_view from_url = parameter(query, "token", '&');
  const std::string_view from_cookie = parameter(r.cookie, cookie_name_, ';');

  if (valid(bearer) || valid(from_cookie)) return decision;
  if (valid(from_url)) {
    // The credential shown, not the token: a viewer link's holder gets no more than the link.
    decision.set_cookie = cookie_name_ + "=" + std::string(from_url) +
                          "; Path=/; HttpOnly; SameSite=Strict" + (secure_ ? "; Secure" : "");
    // A page opened from the printed URL: keep the token out of the address bar, the history and
    // any Referer from here on.
    if (r.method == "GET" && is_page(path)) {
      HttpResponse redirect{303, "text/plain; charset=utf-8", "signed in\n", {}};
      redirect.headers.emplace_back("Location", without_token(target));
      redirect.headers.emplace_back("Cache-Control", "no-store");
      decision.instead = std::move(redirect);
    }
    return decision;
  }
  const bool offered = !bearer.empty() || !from_url.empty() || !from_cookie.empty();
  decision.instead =
      refusal(401, offered ? "wrong access token"
                           : "access token required: open the URL posecast printed "
                             "(http://HOST:PORT/?token=...), or send Authorization: Bearer TOKEN");
  return decision;
}

}  // namespace posecast::stream
