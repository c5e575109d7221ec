// Access control: the token file, the decision for each kind of request, and the live server
// enforcing it on every path over real loopback connections.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "posecast/access_token.h"
#include "stream/access_control.h"
#include "stream/test_client.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using namespace posecast::testing;
using stream::AccessControl;
using stream::AccessRequest;

const std::string kToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

class TokenFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("posecast_token_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TokenFile, IsMadeOnceOwnerOnlyAndReadBack) {
  const fs::path path = dir_ / "config" / "access-token";
  auto first = load_or_create_access_token(path);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  auto again = load_or_create_access_token(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), first.value());
  // Another file, another token.
  auto other = load_or_create_access_token(dir_ / "other");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other.value(), first.value());
}

TEST_F(TokenFile, RefusesAFileOthersCanReadOrThatHoldsNoToken) {
  fs::create_directories(dir_);
  const fs::path open = dir_ / "open";
  std::ofstream(open) << kToken << "\n";
  fs::permissions(open, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                            fs::perms::others_read);
  auto readable = load_or_create_access_token(open);
  ASSERT_FALSE(readable.ok());
  EXPECT_NE(readable.error().message().find("readable by others (rights 644)"), std::string::npos)
      << readable.error().message();
  EXPECT_NE(readable.error().message().find(open.string()), std::string::npos);

  const fs::path junk = dir_ / "junk";
  std::ofstream(junk) << "short\n";
  fs::permissions(junk, fs::perms::owner_read | fs::perms::owner_write);
  auto bad = load_or_create_access_token(junk);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("not a token"), std::string::npos);
}

TEST(ConstantTimeEqual, ComparesWholeStrings) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

AccessRequest get(std::string_view target) {
  AccessRequest r;
  r.method = "GET";
  r.target = target;
  r.host = "127.0.0.1:8080";
  return r;
}

TEST(AccessControl, EveryWayOfShowingTheToken) {
  const AccessControl access(kToken, 8080);
  EXPECT_EQ(access.cookie_name(), "posecast_token_8080");

  auto none = access.check(get("/api/status"));
  ASSERT_TRUE(none.instead);
  EXPECT_EQ(none.instead->status, 401);
  EXPECT_NE(none.instead->body.find("access token required"), std::string::npos);

  AccessRequest wrong = get("/api/status?token=nope");
  ASSERT_TRUE(access.check(wrong).instead);
  EXPECT_NE(access.check(wrong).instead->body.find("wrong access token"), std::string::npos);

  // In the URL of an API or stream: served, and a cookie for what follows.
  const std::string stream_target = "/stream.mjpg?token=" + kToken;
  auto by_url = access.check(get(stream_target));
  EXPECT_FALSE(by_url.instead);
  EXPECT_EQ(by_url.set_cookie,
            "posecast_token_8080=" + kToken + "; Path=/; HttpOnly; SameSite=Strict");

  // In the URL of a page: a redirect to the page without it, with the cookie.
  const std::string page_target = "/?token=" + kToken + "&lang=en";
  auto page = access.check(get(page_target));
  ASSERT_TRUE(page.instead);
  EXPECT_EQ(page.instead->status, 303);
  ASSERT_EQ(page.instead->headers[0].first, "Location");
  EXPECT_EQ(page.instead->headers[0].second, "/?lang=en");
  EXPECT_FALSE(page.set_cookie.empty());

  const std::string cookie = "theme=dark; posecast_token_8080=" + kToken;
  AccessRequest with_cookie = get("/");
  with_cookie.cookie = cookie;
  EXPECT_FALSE(access.check(with_cookie).instead);
  // Another server's cookie on the same host is not this one's.
  const std::string other_cookie = "posecast_token_9090=" + kToken;
  with_cookie.cookie = other_cookie;
  EXPECT_TRUE(access.check(with_cookie).instead);

  const std::string bearer = "Bearer " + kToken;
  AccessRequest with_bearer = get("/metrics");
  with_bearer.authorization = bearer;
  EXPECT_FALSE(access.check(with_bearer).instead);
}

TEST(AccessControl, ForeignPagesCannotPostOrOpenTheSocket) {
  for (const std::string& token : {kToken, std::string()}) {  // with and without --no-auth
    const AccessControl access(token, 8080);
    const std::string cookie = "posecast_token_8080=" + kToken;
    AccessRequest post = get("/api/target");
    post.method = "POST";
    post.cookie = cookie;
    post.origin = "http://evil.example";
    auto refused = access.check(post);
    ASSERT_TRUE(refused.instead);
    EXPECT_EQ(refused.instead->status, 403);
    EXPECT_NE(refused.instead->body.find("cross-origin request refused"), std::string::npos);

    AccessRequest ws = get("/ws");
    ws.websocket = true;
    ws.cookie = cookie;
    ws.origin = "http://127.0.0.1:9999";
    EXPECT_EQ(access.check(ws).instead->status, 403);

    AccessRequest no_origin = post;
    no_origin.origin = "";
    no_origin.sec_fetch_site = "cross-site";
    EXPECT_EQ(access.check(no_origin).instead->status, 403);

    // The server's own page: fine.
    post.origin = "http://127.0.0.1:8080";
    EXPECT_FALSE(access.check(post).instead);
  }
}

TEST(AccessControl, TakesTheTokenOutOfATarget) {
  EXPECT_EQ(stream::without_token("/?token=x"), "/");
  EXPECT_EQ(stream::without_token("/index.html?a=1&token=x&b=2"), "/index.html?a=1&b=2");
  EXPECT_EQ(stream::without_token("/"), "/");
  EXPECT_EQ(stream::parameter("a=1; b=2", "b", ';'), "2");
  EXPECT_EQ(stream::parameter("ab=1&b=2", "b", '&'), "2");
  EXPECT_EQ(stream::parameter("ab=1", "b", '&'), "");
}

// The real server: every path needs the token.
TEST(LiveServerAccess, EveryPathNeedsTheToken) {
  LiveServerOptions options;
  options.access_token = kToken;
  auto server = start_test_server({}, options);
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  EXPECT_EQ(server->access_url(), server->url() + "?token=" + kToken);
  for (const char* path :
       {"/", "/index.html", "/viewer.js", "/api/status", "/metrics", "/snapshot.jpg",
        "/stream.mjpg", "/ws", "/api/history", "/api/history?format=csv", "/progress",
        "/progress.js", "/api/progress", "/report/1"}) {
    const HttpAnswer answer = http_get(port, path);
    EXPECT_EQ(answer.status, 401) << path;
    EXPECT_EQ(answer.header("www-authenticate"), "Bearer realm=\"posecast\"") << path;
  }
  EXPECT_EQ(http_post(port, "/api/target", R"({"pose":"tree"})").status, 401);
  EXPECT_EQ(http_post(port, "/api/person", R"({"person":2})").status, 401);

  const HttpAnswer page = http_get(port, "/?token=" + kToken);
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.header("location"), "/");
  EXPECT_NE(page.header("set-cookie").find("posecast_token_" + std::to_string(port) + "="),
            std::string::npos);
  EXPECT_EQ(http_get(port, "/api/status?token=" + kToken).status, 200);
  // The progress page and the reports are pages too: the token leaves the address bar.
  EXPECT_EQ(http_get(port, "/progress?token=" + kToken).header("location"), "/progress");
  EXPECT_EQ(http_get(port, "/report/3?token=" + kToken).header("location"), "/report/3");

  // The cookie and the Bearer header, on the wire.
  const std::string with_cookie =
      raw_exchange(port, "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: posecast_token_" +
                             std::to_string(port) + "=" + kToken + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(with_cookie.rfind("HTTP/1.1 200", 0), 0u) << with_cookie;
  const std::string with_bearer =
      raw_exchange(port, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                             kToken + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(with_bearer.rfind("HTTP/1.1 200", 0), 0u) << with_bearer;
  const std::string foreign = raw_exchange(
      port, "POST /api/target HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                "\r\nOrigin: http://evil.example\r\nAuthorization: Bearer " + kToken +
                "\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: "
                "close\r\n\r\n{}");
  EXPECT_EQ(foreign.rfind("HTTP/1.1 403", 0), 0u) << foreign;
}

int64_t now_s() { return testing::unix_ms_now() / 1000; }

// A viewer link's credential: bound to the token, the device and the expiry; the pin of Janus a
// fixed function of the token (scripts/start-janus.sh computes the same).
TEST(ViewerCredential, IsBoundToTheTokenTheDeviceAndTheExpiry) {
  const int64_t now = now_s();
  const std::string link = sign_viewer_credential(kToken, "mat1", now + 60);
  EXPECT_EQ(link.rfind("v1-" + std::to_string(now + 60) + "-", 0), 0u) << link;
  EXPECT_EQ(link.size(), 3 + std::to_string(now + 60).size() + 1 + 64);
  EXPECT_TRUE(valid_viewer_credential(link, kToken, "mat1", now));
  EXPECT_FALSE(valid_viewer_credential(link, kToken, "mat1", now + 60)) << "expired";
  EXPECT_FALSE(valid_viewer_credential(link, kToken, "mat2", now)) << "another device";
  EXPECT_FALSE(valid_viewer_credential(link, std::string(64, 'f'), "mat1", now)) << "new token";
  EXPECT_FALSE(valid_viewer_credential(link, "", "mat1", now));
  // A later expiry with the old MAC: the MAC covers the expiry.
  std::string stretched = link;
  stretched.replace(3, std::to_string(now + 60).size(), std::to_string(now + 99999));
  EXPECT_FALSE(valid_viewer_credential(stretched, kToken, "mat1", now));
  for (const char* junk : {"", "v1-", "v1--ab", "v1-x-ab", "v2-1-ab", "v1-99999999999999999-ab"})
    EXPECT_FALSE(valid_viewer_credential(junk, kToken, "mat1", now)) << junk;

  EXPECT_EQ(janus_pin(kToken).size(), 32u);
  EXPECT_EQ(janus_pin(kToken), janus_pin(kToken));
  EXPECT_NE(janus_pin(kToken), janus_pin(std::string(64, 'f')));
  // HMAC-SHA256(key "abc", "posecast janus pin"), as python3's hmac module computes it.
  EXPECT_EQ(janus_pin("abc"), "baef853135b1067fb44c1b5de3c373e2");
}

TEST(AccessControl, AViewerLinkLetsItsHolderInUntilItExpires) {
  const AccessControl access(kToken, 8080, false, "mat1");
  const std::string link = sign_viewer_credential(kToken, "mat1", now_s() + 60);
  const std::string target = "/snapshot.jpg?token=" + link;
  auto by_link = access.check(get(target));
  EXPECT_FALSE(by_link.instead);
  // The cookie carries the link, never the token itself.
  EXPECT_EQ(by_link.set_cookie,
            "posecast_token_8080=" + link + "; Path=/; HttpOnly; SameSite=Strict");
  const std::string cookie = "posecast_token_8080=" + link;
  AccessRequest with_cookie = get("/api/status");
  with_cookie.cookie = cookie;
  EXPECT_FALSE(access.check(with_cookie).instead);

  const std::string expired = "/?token=" + sign_viewer_credential(kToken, "mat1", now_s() - 1);
  ASSERT_TRUE(access.check(get(expired)).instead);
  EXPECT_EQ(access.check(get(expired)).instead->status, 401);
  const std::string other = "/?token=" + sign_viewer_credential(kToken, "mat2", now_s() + 60);
  EXPECT_EQ(access.check(get(other)).instead->status, 401);
}

// GET/POST /api/auth: the media servers' question, answered 200/401/403 whatever else the request
// carries, before the access check every other path passes.
TEST(LiveServerAccess, ApiAuthAnswersTheMediaServers) {
  LiveServerOptions options;
  options.access_token = kToken;
  options.viewer_link_device = "mat1";
  auto server = start_test_server({}, options);
  ASSERT_TRUE(server);
  const uint16_t port = server->port();
  auto with_bearer = [&](const std::string& token) {
    const std::string answer =
        raw_exchange(port, "GET /api/auth HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                               token + "\r\nConnection: close\r\n\r\n");
    return answer.substr(0, 12);
  };
  EXPECT_EQ(http_get(port, "/api/auth").status, 401);
  EXPECT_EQ(with_bearer(kToken), "HTTP/1.1 200");
  EXPECT_EQ(with_bearer(std::string(64, '0')), "HTTP/1.1 403");
  EXPECT_EQ(with_bearer(sign_viewer_credential(kToken, "mat1", now_s() + 60)), "HTTP/1.1 200");
  EXPECT_EQ(with_bearer(sign_viewer_credential(kToken, "mat1", now_s() - 1)), "HTTP/1.1 403");
  EXPECT_EQ(http_get(port, "/api/auth?token=" + kToken).status, 200);
  // nginx-rtmp's on_play: a form with the play URL's query in it.
  const std::string form = "app=live&call=play&name=pose&token=";
  EXPECT_EQ(http_post(port, "/api/auth", form + kToken).status, 200);
  EXPECT_EQ(http_post(port, "/api/auth", form + "nope").status, 403);
  EXPECT_EQ(http_post(port, "/api/auth", "app=live&name=pose").status, 401);
  // The token in a form is no way into anything else.
  EXPECT_EQ(http_post(port, "/api/target", "token=" + kToken).status, 401);
  EXPECT_EQ(http_call(port, http::verb::delete_, "/api/auth?token=" + kToken, "").status, 405);

  // --no-auth: everybody may watch, so the answer is yes.
  auto open = start_test_server({}, {});
  ASSERT_TRUE(open);
  EXPECT_EQ(http_get(open->port(), "/api/auth").status, 200);
}

TEST(LiveServerAccess, LimitsHeaderFieldsAndConnections) {
  LiveServerOptions options;
  options.max_connections = 3;
  auto server = start_test_server({}, options);
  ASSERT_TRUE(server);
  std::string request = "GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (int i = 0; i < 120; ++i) request += "X-Field-" + std::to_string(i) + ": 1\r\n";
  const std::string many = raw_exchange(server->port(), request + "Connection: close\r\n\r\n");
  EXPECT_EQ(many.rfind("HTTP/1.1 431", 0), 0u) << many.substr(0, 200);

  // Three idle connections fill the server; the fourth is told so.
  net::io_context io;
  std::vector<std::unique_ptr<beast::tcp_stream>> idle;
  for (int i = 0; i < 3; ++i) {
    idle.push_back(std::make_unique<beast::tcp_stream>(io));
    ASSERT_FALSE(connect(io, *idle.back(), server->port()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::string busy = raw_exchange(server->port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(busy.rfind("HTTP/1.1 503", 0), 0u) << busy;
  EXPECT_NE(busy.find("too many connections"), std::string::npos);
  idle.clear();
  EXPECT_TRUE(eventually([&] { return http_get(server->port(), "/api/status").status == 200; }));
}

}  // namespace
}  // namespace posecast
