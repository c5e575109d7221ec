// A throwaway public-key infrastructure made by the openssl command line for TLS tests (MQTT over
// TLS, the live server's https://): a CA, a server certificate for 127.0.0.1, one for another
// host, a client certificate, and an unrelated CA; EC keys, so that making them takes milliseconds.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace posecast::testing {

class TestPki {
 public:
  // Makes the files in `dir`: ca.crt/.key, other-ca.crt/.key, server.crt/.key (IP:127.0.0.1),
  // wrong-host.crt/.key (DNS:elsewhere.example), client.crt/.key (clientAuth).
  explicit TestPki(const std::filesystem::path& dir) : dir_(dir) {
    namespace fs = std::filesystem;
    fs::create_directories(dir_);
    fs::permissions(dir_, fs::perms::all);
    ok_ = make_ca("ca") && make_ca("other-ca") &&
          make_cert("server", "ca", "subjectAltName=IP:127.0.0.1") &&
          make_cert("wrong-host", "ca", "subjectAltName=DNS:elsewhere.example") &&
          make_cert("client", "ca", "extendedKeyUsage=clientAuth");
    // Mosquitto drops to its own user: it must read the files.
    for (const auto& entry : fs::directory_iterator(dir_))
      fs::permissions(entry.path(), fs::perms::owner_read | fs::perms::owner_write |
                                        fs::perms::group_read | fs::perms::others_read);
  }
  static bool openssl_available() { return std::system("openssl version >/dev/null 2>&1") == 0; }
  bool ok() const { return ok_; }
  std::filesystem::path file(const std::string& name) const { return dir_ / name; }

 private:
  bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
  }
  std::string key_args(const std::string& name) {
    return "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
           (dir_ / (name + ".key")).string();
  }
  bool make_ca(const std::string& name) {
    return run("openssl req -x509 " + key_args(name) + " -out " +
               (dir_ / (name + ".crt")).string() + " -days 2 -subj /CN=posecast-test-" + name);
  }
  bool make_cert(const std::string& name, const std::string& ca, const std::string& extension) {
    const std::filesystem::path ext = dir_ / (name + ".ext");
    std::ofstream(ext) << extension << "\n";
    return run("openssl req " + key_args(name) + " -out " + (dir_ / (name + ".csr")).string() +
               " -subj /CN=posecast-test-" + name) &&
           run("openssl x509 -req -in " + (dir_ / (name + ".csr")).string() + " -CA " +
               (dir_ / (ca + ".crt")).string() + " -CAkey " + (dir_ / (ca + ".key")).string() +
               " -CAcreateserial -days 2 -out " + (dir_ / (name + ".crt")).string() + " -extfile " +
               ext.string());
  }
  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace posecast::testing
