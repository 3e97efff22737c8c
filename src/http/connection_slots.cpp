#include "arena/http/connection_slots.hpp"

namespace arena::http {

IpSlot::IpSlot(std::shared_ptr<ConnectionSlots> owner, boost::asio::ip::address ip)
    : owner_(std::move(owner)), ip_(ip) {}

IpSlot& IpSlot::operator=(IpSlot&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = std::move(o.owner_);
    ip_ = o.ip_;
  }
  return *this;
}

void IpSlot::reset() {
  if (!owner_) return;
  owner_->release(ip_);
  owner_.reset();
}

bool ConnectionSlots::acquire(const boost::asio::ip::address& ip, IpSlot& out) {
  {
    std::lock_guard lock(mu_);
    auto& n = open_[ip];
    if (per_ip_ != 0 && n >= per_ip_) return false;
    ++n;
  }
  out = IpSlot(shared_from_this(), ip);
  return true;
}

std::size_t ConnectionSlots::held(const boost::asio::ip::address& ip) const {
  std::lock_guard lock(mu_);
  auto it = open_.find(ip);
  return it == open_.end() ? 0 : it->second;
}

void ConnectionSlots::release(const boost::asio::ip::address& ip) {
  std::lock_guard lock(mu_);
  auto it = open_.find(ip);
  if (it == open_.end()) return;
  if (--it->second == 0) open_.erase(it);
}

}  // namespace arena::http
