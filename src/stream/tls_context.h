// The live server's TLS context (--tls-cert/--tls-key): TLS 1.2 and 1.3 only, the certificate
// chain and its unencrypted private key, checked to match before the server starts.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "posecast/status.h"

namespace posecast::stream {

// The context, or an error naming the option, the file and the fault ("--tls-key key.pem does
// not match the certificate in --tls-cert cert.pem").
Result<std::unique_ptr<boost::asio::ssl::context>> make_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);

}  // namespace posecast::stream
