// `posecast run --tls-cert/--tls-key` end to end: the real binary on the demo source with an
// openssl-made certificate, read over https:// and wss:// by a verifying client and by curl; a
// key that does not belong to the certificate stops it at start with a message naming the files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "e2e/cli_run.h"
#include "e2e/posecast_process.h"
#include "stream/tls_test_client.h"
#include "test_pki.h"

namespace posecast {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace posecast::testing;

// curl's stdout and exit code (stderr joins stdout, for failure messages).
CliRun curl(const std::vector<std::string>& args) {
  std::string command = "curl -sS --max-time 5";
  for (const std::string& arg : args) command.append(" ").append(shell_quote(arg));
  CliRun run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return run;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class RunTls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string missing = models_missing(); !missing.empty()) GTEST_SKIP() << missing;
    if (!TestPki::openssl_available()) GTEST_SKIP() << "needs the openssl command";
    dir_ = fs::temp_directory_path() / ("posecast_run_tls_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    pki_ = std::make_unique<TestPki>(dir_ / "pki");
    ASSERT_TRUE(pki_->ok());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> run_args(const std::string& key) const {
    return {"run",
            "--source",
            "demo",
            "--fps",
            "15",
            "--http",
            "127.0.0.1:0",
            "--seconds",
            "60",
            "--token-file",
            (dir_ / "token").string(),
            "--tls-cert",
            pki_->file("server.crt").string(),
            "--tls-key",
            key};
  }

  fs::path dir_;
  std::unique_ptr<TestPki> pki_;
};

TEST_F(RunTls, ServesTheDemoOverHttpsAndWss) {
  PosecastProcess run(run_args(pki_->file("server.key").string()));
  ASSERT_TRUE(run.started()) << run.error();
  const auto url = run.wait_for_url(std::chrono::seconds(60));
  ASSERT_TRUE(url) << "no URL printed; stderr:\n" << run.err();
  const std::string base = "https://127.0.0.1:" + std::to_string(run.port()) + "/";
  ASSERT_TRUE(url->starts_with(base + "?token=")) << *url;
  const std::string token = url->substr(url->find("token=") + 6);
  const std::vector<std::pair<std::string, std::string>> bearer = {
      {"Authorization", "Bearer " + token}};
  const fs::path ca = pki_->file("ca.crt");

  // The printed URL in a browser: the Secure cookie, then the page.
  const HttpAnswer signed_in = https_call(run.port(), ca, http::verb::get, "/?token=" + token);
  ASSERT_EQ(signed_in.status, 303) << signed_in.error;
  EXPECT_NE(signed_in.header("Set-Cookie").find("; Secure"), std::string::npos);
  const HttpAnswer page = https_call(run.port(), ca, http::verb::get, "/", bearer);
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  TlsMjpegReader viewer(run.port(), ca, token);
  ASSERT_EQ(viewer.status_line(std::chrono::seconds(5)), "HTTP/1.1 200 OK");
  for (int i = 0; i < 3; ++i) {
    const std::string jpeg = viewer.next_jpeg(std::chrono::seconds(5));
    const cv::Mat frame =
        cv::imdecode(std::vector<uint8_t>(jpeg.begin(), jpeg.end()), cv::IMREAD_COLOR);
    ASSERT_EQ(frame.cols, 640) << "part " << i;
    ASSERT_EQ(frame.rows, 480);
  }
  TlsWsReader results(run.port(), ca, "/ws?token=" + token);
  ASSERT_TRUE(results.ok()) << results.error();
  const json result = json::parse(results.next_message(std::chrono::seconds(5)).value_or("{}"));
  EXPECT_TRUE(result.contains("frame") && result.contains("decision")) << result.dump();

  const HttpAnswer snapshot = https_call(run.port(), ca, http::verb::get, "/snapshot.jpg", bearer);
  ASSERT_EQ(snapshot.status, 200);
  EXPECT_EQ(snapshot.header("Content-Type"), "image/jpeg");
  const HttpAnswer metrics = https_call(run.port(), ca, http::verb::get, "/metrics", bearer);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("posecast_"), std::string::npos);

  // curl, a client of its own, verifying against the test CA.
  if (std::system("curl --version >/dev/null 2>&1") == 0) {
    const CliRun status = curl(
        {"--cacert", ca.string(), "-H", "Authorization: Bearer " + token, base + "api/status"});
    ASSERT_EQ(status.exit_code, 0) << status.out;
    EXPECT_EQ(json::parse(status.out)["source"], "demo") << status.out;
    // Plain http:// to the TLS port: told to use https, no data.
    const CliRun plain =
        curl({"http://127.0.0.1:" + std::to_string(run.port()) + "/api/status?token=" + token});
    EXPECT_NE(plain.out.find("this server speaks HTTPS only"), std::string::npos) << plain.out;
  }
  // Still serving after all that.
  EXPECT_FALSE(viewer.next_jpeg(std::chrono::seconds(5)).empty());
}

TEST_F(RunTls, AKeyOfAnotherCertificateIsAStartupErrorNamingTheFiles) {
  const std::string wrong_key = pki_->file("other-ca.key").string();
  std::vector<std::string> args = run_args(wrong_key);
  args[8] = "20";  // --seconds: it must not get that far
  const CliRun run = run_posecast(args);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("posecast run: --tls-key " + wrong_key +
                         " does not match the certificate in --tls-cert " +
                         pki_->file("server.crt").string()),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.out.find("viewer at"), std::string::npos);
}

}  // namespace
}  // namespace posecast
