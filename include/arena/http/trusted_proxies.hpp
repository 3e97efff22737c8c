#pragma once
// The proxies whose X-Forwarded-For is believed (setting http.trusted_proxies): behind a reverse
// proxy or an ingress every request comes from the proxy's address, so the per-address limits
// (logins, WebSocket upgrades) would count all players as one. For a request whose TCP peer is a
// trusted proxy, the client's address is the right-most X-Forwarded-For entry that is not itself a
// trusted proxy (each proxy appends the address it saw; entries left of an untrusted one could be
// anything the client wrote). A peer that is not trusted is the client, whatever it sends.
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace arena::http {

class TrustedProxies {
 public:
  TrustedProxies() = default;
  // A comma list of addresses and CIDR networks ("10.0.0.0/8, 192.168.1.7, fd00::/8"); empty = none.
  // Throws std::invalid_argument naming the entry that is neither.
  static TrustedProxies parse(std::string_view list);

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool contains(const boost::asio::ip::address& a) const;
  // The client's address of a request from `peer` carrying `forwarded_for` (the X-Forwarded-For
  // header, possibly empty): `peer` itself unless it is trusted. An entry that is not an address
  // ends the walk at the hop that added it. At most 32 entries are looked at.
  std::string client_ip(const boost::asio::ip::address& peer, std::string_view forwarded_for) const;

 private:
  std::vector<boost::asio::ip::network_v4> v4_;
  std::vector<boost::asio::ip::network_v6> v6_;
};

}  // namespace arena::http
