#include "arena/http/trusted_proxies.hpp"

#include <algorithm>
#include <stdexcept>

namespace arena::http {

namespace ip = boost::asio::ip;

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// An IPv4 client seen through an IPv6 socket (::ffff:a.b.c.d) is that IPv4 address.
ip::address plain(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace

TrustedProxies TrustedProxies::parse(std::string_view list) {
  TrustedProxies out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string entry(trim(list.substr(0, comma)));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (entry.empty()) continue;
    boost::system::error_code ec;
    if (entry.find('/') == std::string::npos) {
      const auto a = plain(ip::make_address(entry, ec));
      if (!ec && a.is_v4()) out.v4_.emplace_back(a.to_v4(), 32);
      if (!ec && a.is_v6()) out.v6_.emplace_back(a.to_v6(), 128);
    } else if (entry.find(':') == std::string::npos) {
      const auto n = ip::make_network_v4(entry, ec);
      if (!ec) out.v4_.push_back(n.canonical());
    } else {
      const auto n = ip::make_network_v6(entry, ec);
      if (!ec) out.v6_.push_back(n.canonical());
    }
    if (ec)
      throw std::invalid_argument("'" + entry + "' is neither an IP address nor a CIDR network (like 10.0.0.0/8)");
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& given) const {
  if (empty()) return false;  // the usual case: asked for every accepted connection
  const auto a = plain(given);
  if (a.is_v4()) {
    const ip::network_v4 host(a.to_v4(), 32);
    return std::any_of(v4_.begin(), v4_.end(), [&](const auto& n) { return host.is_subnet_of(n) || host == n; });
  }
  const ip::network_v6 host(a.to_v6(), 128);
  return std::any_of(v6_.begin(), v6_.end(), [&](const auto& n) { return host.is_subnet_of(n) || host == n; });
}

std::string TrustedProxies::client_ip(const ip::address& peer, std::string_view forwarded_for) const {
  ip::address hop = plain(peer);
  if (!contains(hop)) return hop.to_string();
  for (int looked = 0; looked < 32 && !forwarded_for.empty(); ++looked) {
    const auto comma = forwarded_for.rfind(',');
    const std::string entry(trim(comma == std::string_view::npos ? forwarded_for : forwarded_for.substr(comma + 1)));
    forwarded_for = comma == std::string_view::npos ? std::string_view{} : forwarded_for.substr(0, comma);
    boost::system::error_code ec;
    const auto a = plain(ip::make_address(entry, ec));
    if (ec) break;  // not an address: the hop that added it is as far as we can trust
    hop = a;
    if (!contains(hop)) break;
  }
  return hop.to_string();
}

}  // namespace arena::http
