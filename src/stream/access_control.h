// Who may use the live server: every path (page, stream, WebSocket, API, metrics) needs the access
// token, from the URL once (`?token=...`, answered with a cookie and a redirect that takes the
// token out of the address bar), then the cookie, or `Authorization: Bearer TOKEN`. POSTs and
// WebSocket upgrades from a browser must come from the server's own pages (Origin), so another
// site cannot drive the controls with the student's cookie (CSRF), even with no token at all.
// No sockets here: the decision is a function of the request's few fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http_routes.h"

namespace posecast::stream {

struct AccessRequest {
  std::string_view method;  // "GET", "POST", ...
  std::string_view target;  // "/api/status?token=..."
  std::string_view cookie;  // the Cookie header, or ""
  std::string_view authorization;
  std::string_view origin;          // the Origin header, or ""
  std::string_view host;            // the Host header
  std::string_view sec_fetch_site;  // "same-origin", "cross-site", ... or ""
  bool websocket = false;
};

struct AccessDecision {
  std::optional<HttpResponse> instead;  // set: answer this instead (401, 403 or the 303 redirect)
  std::string set_cookie;               // non-empty: add as Set-Cookie to the answer
};

class AccessControl {
 public:
  // An empty token lets everybody in (--no-auth, loopback only); the Origin checks still apply.
  // `secure` (the server speaks TLS): the cookie is sent over https only. `device`: whose viewer
  // links (access_token.h's sign_viewer_credential) are valid here besides the token itself.
  AccessControl(std::string token, uint16_t port, bool secure = false, std::string device = "");

  AccessDecision check(const AccessRequest& request) const;
  // GET or POST /api/auth: whether the request shows a valid token or unexpired viewer link, for
  // the media servers in front of the video (nginx auth_request, nginx-rtmp on_play): 200, 401
  // (none shown) or 403 (a wrong, expired or revoked one). Read from `Authorization: Bearer`,
  // the target's `?token=`, or a form body's `token=` (nginx-rtmp passes the play URL's query).
  HttpResponse authorize_media(const AccessRequest& request, std::string_view form_body) const;
  bool enabled() const { return !token_.empty(); }
  // "posecast_token_8080": cookies are per host, not per port, and one machine may serve several.
  const std::string& cookie_name() const { return cookie_name_; }

 private:
  bool valid(std::string_view candidate) const;

  std::string token_;
  std::string device_;
  std::string cookie_name_;
  bool secure_ = false;
};

// The value of `name` in a query string or Cookie header ("a=1&token=x", "a=1; token=x"), or "".
std::string_view parameter(std::string_view text, std::string_view name, char separator);
// `target` without its token parameter ("/?token=x&a=1" -> "/?a=1", "/?token=x" -> "/").
std::string without_token(std::string_view target);

}  // namespace posecast::stream
