#pragma once
// Open connections per client IP, capped (http.max_connections_per_ip). The HTTP server takes
// a slot when it accepts a connection; the slot moves with an upgraded connection to its new
// owner (the gateway), so a WebSocket counts for as long as its socket is open.
#include <boost/asio/ip/address.hpp>

#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace arena::http {

class ConnectionSlots;

// Held while a connection is open; gives its slot back when destroyed or reset.
class IpSlot {
 public:
  IpSlot() = default;
  IpSlot(std::shared_ptr<ConnectionSlots> owner, boost::asio::ip::address ip);
  IpSlot(IpSlot&& o) noexcept = default;
  IpSlot& operator=(IpSlot&& o) noexcept;
  IpSlot(const IpSlot&) = delete;
  IpSlot& operator=(const IpSlot&) = delete;
  ~IpSlot() { reset(); }
  void reset();

 private:
  std::shared_ptr<ConnectionSlots> owner_;
  boost::asio::ip::address ip_;
};

class ConnectionSlots : public std::enable_shared_from_this<ConnectionSlots> {
 public:
  explicit ConnectionSlots(std::size_t per_ip) : per_ip_(per_ip) {}
  // Fills `out` with a slot, or returns false when `ip` already holds per_ip connections
  // (per_ip 0 = no limit).
  bool acquire(const boost::asio::ip::address& ip, IpSlot& out);
  std::size_t held(const boost::asio::ip::address& ip) const;

 private:
  friend class IpSlot;
  void release(const boost::asio::ip::address& ip);
  std::size_t per_ip_;
  mutable std::mutex mu_;
  std::unordered_map<boost::asio::ip::address, std::size_t> open_;
};

}  // namespace arena::http
