// The one HOST:PORT reader every address flag uses (--http, --rtsp, --publish, --ice-server).
#include "posecast/host_port.h"

#include <gtest/gtest.h>

namespace posecast {
namespace {

const HostPortRules kListening = HostPortRules::listening("127.0.0.1");
const HostPortRules kConnecting = HostPortRules::connecting(1935);
const HostPortRules kPortRequired = HostPortRules::connecting(std::nullopt);

std::string error_of(std::string_view text, const HostPortRules& rules) {
  auto address = parse_host_port(text, rules);
  return address ? "accepted " + format_host_port(address->host, address->port)
                 : address.error().message();
}

TEST(HostPort, ReadsAnIpv4AddressAndAPort) {
  auto address = parse_host_port("0.0.0.0:9000", kListening);
  ASSERT_TRUE(address) << address.error().message();
  EXPECT_EQ(address->host, "0.0.0.0");
  EXPECT_EQ(address->port, 9000);
}

TEST(HostPort, ReadsAHostName) {
  auto address = parse_host_port("media.example-1_a:19350", kPortRequired);
  ASSERT_TRUE(address) << address.error().message();
  EXPECT_EQ(address->host, "media.example-1_a");
  EXPECT_EQ(address->port, 19350);
}

TEST(HostPort, ReadsAnIpv6AddressInBracketsWithoutTheBrackets) {
  auto address = parse_host_port("[::1]:8081", kListening);
  ASSERT_TRUE(address) << address.error().message();
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 8081);
  auto zoned = parse_host_port("[fe80::1%eth0]:8554", kPortRequired);
  ASSERT_TRUE(zoned) << zoned.error().message();
  EXPECT_EQ(zoned->host, "fe80::1%eth0");
  auto mapped = parse_host_port("[::ffff:10.0.0.1]", kConnecting);
  ASSERT_TRUE(mapped) << mapped.error().message();
  EXPECT_EQ(mapped->host, "::ffff:10.0.0.1");
  EXPECT_EQ(mapped->port, 1935);
}

TEST(HostPort, RefusesABareIpv6AddressWithOrWithoutAPort) {
  const std::string why = "write an IPv6 address in brackets: [ADDRESS]:PORT";
  EXPECT_EQ(error_of("::1:80", kListening), why);
  EXPECT_EQ(error_of("::1", kListening), why);
  EXPECT_EQ(error_of("::1", kConnecting), why);
  EXPECT_EQ(error_of("fe80::1:8554", kPortRequired), why);
}

TEST(HostPort, ListeningAddressesMayLeaveOutTheHostAndTakePortZero) {
  EXPECT_EQ(error_of(":0", kListening), "accepted 127.0.0.1:0");
  EXPECT_EQ(error_of("8080", kListening), "accepted 127.0.0.1:8080");
  EXPECT_EQ(error_of("[::]:8554", kListening), "accepted [::]:8554");
  EXPECT_EQ(error_of("localhost:0", kListening), "accepted localhost:0");
}

TEST(HostPort, ConnectingAddressesNeedAHostAndUseTheDefaultPort) {
  EXPECT_EQ(error_of("media.example", kConnecting), "accepted media.example:1935");
  EXPECT_EQ(error_of("[::1]", kConnecting), "accepted [::1]:1935");
  EXPECT_EQ(error_of("8080", kConnecting), "accepted 8080:1935");  // a host named 8080
  EXPECT_EQ(error_of(":1935", kConnecting), "no host");
  EXPECT_EQ(error_of("", kConnecting), "no host");
  EXPECT_EQ(error_of("[]:80", kListening), "no host");
}

TEST(HostPort, MissingAndEmptyPortsAreRefused) {
  EXPECT_EQ(error_of("127.0.0.1", kPortRequired), "no port");
  EXPECT_EQ(error_of("[::1]", kPortRequired), "no port");
  EXPECT_EQ(error_of("127.0.0.1:", kListening), "no port");
  EXPECT_EQ(error_of("[::1]:", kConnecting), "no port");
  EXPECT_EQ(error_of("", kListening), "no port");
}

TEST(HostPort, PortsOutOfRangeAreRefusedNamingThePort) {
  EXPECT_EQ(error_of("127.0.0.1:70000", kListening), "port '70000' is not a number 0-65535");
  EXPECT_EQ(error_of("host:0", kConnecting), "port '0' is not a number 1-65535");
  EXPECT_EQ(error_of("host:65535", kConnecting), "accepted host:65535");
  EXPECT_EQ(error_of("host:99999999999999999999", kConnecting),
            "port '99999999999999999999' is not a number 1-65535");
  EXPECT_EQ(error_of("host:-1", kConnecting), "port '-1' is not a number 1-65535");
  EXPECT_EQ(error_of("host:+80", kConnecting), "port '+80' is not a number 1-65535");
  EXPECT_EQ(error_of("host:80x", kConnecting), "port '80x' is not a number 1-65535");
}

TEST(HostPort, JunkIsRefusedNamingWhatIsWrong) {
  EXPECT_EQ(error_of("a b:80", kConnecting),
            "bad character ' ' in the host 'a b' (a host name is letters, digits, '.', '-' and "
            "'_')");
  EXPECT_EQ(error_of("host/path:80", kConnecting),
            "bad character '/' in the host 'host/path' (a host name is letters, digits, '.', '-' "
            "and '_')");
  EXPECT_EQ(error_of("[::1", kConnecting), "unclosed '[' in the host");
  EXPECT_EQ(error_of("[::1]80", kConnecting), "expected ':PORT' after ']'");
  EXPECT_EQ(error_of("[example.com]:80", kConnecting),
            "'[example.com]' is not an IPv6 address (only those go in brackets)");
  EXPECT_EQ(error_of("[::1%]:80", kConnecting),
            "'[::1%]' is not an IPv6 address (only those go in brackets)");
}

TEST(HostPort, FormatsWhatItReads) {
  EXPECT_EQ(format_host_port("::1", 8554), "[::1]:8554");
  EXPECT_EQ(format_host_port("10.0.0.2", 3479), "10.0.0.2:3479");
  EXPECT_EQ(bracket_ipv6("fe80::1"), "[fe80::1]");
  EXPECT_EQ(bracket_ipv6("example.org"), "example.org");
}

}  // namespace
}  // namespace posecast
