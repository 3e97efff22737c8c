#include "arena/http/trusted_proxies.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace arena::http {
namespace {

namespace ip = boost::asio::ip;

TEST(TrustedProxies, ParsesAddressesAndNetworksOfBothFamilies) {
  const auto p = TrustedProxies::parse(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,::1,");
  EXPECT_FALSE(p.empty());
  EXPECT_TRUE(p.contains(ip::make_address("10.1.2.3")));
  EXPECT_TRUE(p.contains(ip::make_address("192.168.1.7")));
  EXPECT_FALSE(p.contains(ip::make_address("192.168.1.8")));
  EXPECT_TRUE(p.contains(ip::make_address("fd12::5")));
  EXPECT_TRUE(p.contains(ip::make_address("::1")));
  EXPECT_FALSE(p.contains(ip::make_address("2001:db8::1")));
  EXPECT_TRUE(p.contains(ip::make_address("::ffff:10.9.9.9")));  // IPv4 through an IPv6 socket
  EXPECT_TRUE(TrustedProxies::parse("").empty());
  EXPECT_TRUE(TrustedProxies::parse(" , ").empty());
  // A network written with host bits set means its network.
  EXPECT_TRUE(TrustedProxies::parse("172.16.5.4/12").contains(ip::make_address("172.31.0.1")));
}

TEST(TrustedProxies, RefusesWhatIsNeitherAnAddressNorANetwork) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0", "proxy.internal", "fd00::/129", "10.0.0.0/8,nope", "1.2.3.4/"}) {
    try {
      (void)TrustedProxies::parse(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("CIDR"), std::string::npos) << e.what();
    }
  }
}

TEST(TrustedProxies, TheClientIsTheRightMostUntrustedForwardedAddress) {
  const auto p = TrustedProxies::parse("10.0.0.0/8");
  const auto proxy = ip::make_address("10.0.0.2");
  EXPECT_EQ(p.client_ip(proxy, "198.51.100.7"), "198.51.100.7");
  // Two proxies of ours: the one the client reached added its address first.
  EXPECT_EQ(p.client_ip(proxy, "198.51.100.7, 10.0.0.9"), "198.51.100.7");
  // What the client wrote itself (left of the address our proxy saw) is not believed.
  EXPECT_EQ(p.client_ip(proxy, "1.1.1.1, 198.51.100.7"), "198.51.100.7");
  EXPECT_EQ(p.client_ip(proxy, "2001:db8::5"), "2001:db8::5");
  // No header, or only our own proxies: the nearest one is all we know.
  EXPECT_EQ(p.client_ip(proxy, ""), "10.0.0.2");
  EXPECT_EQ(p.client_ip(proxy, "10.0.0.9"), "10.0.0.9");
  // Garbage ends the walk at the hop that added it.
  EXPECT_EQ(p.client_ip(proxy, "198.51.100.7, unknown"), "10.0.0.2");
  EXPECT_EQ(p.client_ip(proxy, "unknown, 10.0.0.9"), "10.0.0.9");
  EXPECT_EQ(p.client_ip(proxy, "198.51.100.7:5555"), "10.0.0.2");
}

TEST(TrustedProxies, AnUntrustedPeerIsTheClientWhateverItForwards) {
  const auto p = TrustedProxies::parse("10.0.0.0/8");
  EXPECT_EQ(p.client_ip(ip::make_address("203.0.113.4"), "198.51.100.7"), "203.0.113.4");
  EXPECT_EQ(TrustedProxies().client_ip(ip::make_address("127.0.0.1"), "198.51.100.7"), "127.0.0.1");
  EXPECT_EQ(p.client_ip(ip::make_address("::ffff:203.0.113.4"), ""), "203.0.113.4");
}

TEST(TrustedProxies, LooksAtNoMoreThan32Entries) {
  const auto p = TrustedProxies::parse("10.0.0.0/8");
  std::string chain = "198.51.100.7";
  for (int i = 0; i < 40; ++i) chain += ", 10.0.0." + std::to_string(i + 1);
  EXPECT_EQ(p.client_ip(ip::make_address("10.0.0.2"), chain), "10.0.0.9");  // the 32nd from the right
}

}  // namespace
}  // namespace arena::http
