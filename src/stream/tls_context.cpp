#include "tls_context.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

namespace posecast::stream {

namespace net = boost::asio;

Result<std::unique_ptr<net::ssl::context>> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file) {
  if (cert_file.empty() != key_file.empty())
    return Error("--tls-cert and --tls-key go together: give both, or neither for plain HTTP");
  for (const auto& [option, file] : {std::pair{"--tls-cert", &cert_file}, {"--tls-key", &key_file}})
    if (!std::ifstream(*file))
      return Error(std::string(option) + " " + *file + ": cannot read it: " + std::strerror(errno));
  auto context = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
  // TLS 1.2 and 1.3 only; OpenSSL's default ciphers for those.
  context->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use);
  // An encrypted key would make OpenSSL ask for its passphrase on the terminal: fail instead.
  context->set_password_callback(
      [](size_t, net::ssl::context::password_purpose) { return std::string(); });
  boost::system::error_code ec;
  if (context->use_certificate_chain_file(cert_file, ec))
    return Error("--tls-cert " + cert_file + " is not a PEM certificate: " + ec.message());
  const std::string mismatch =
      "--tls-key " + key_file + " does not match the certificate in --tls-cert " + cert_file;
  if (context->use_private_key_file(key_file, net::ssl::context::pem, ec)) {
    if (ec.category() == net::error::get_ssl_category() &&
        ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == X509_R_KEY_VALUES_MISMATCH)
      return Error(mismatch);
    return Error("--tls-key " + key_file +
                 " is not an unencrypted PEM private key: " + ec.message());
  }
  if (::SSL_CTX_check_private_key(context->native_handle()) != 1) return Error(mismatch);
  return context;
}

}  // namespace posecast::stream
