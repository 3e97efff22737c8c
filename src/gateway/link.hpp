#pragma once
// A client's end of the gateway as op dispatch sees it: where replies and pushes go, the
// session it carries, its token's expiry, how to close it. Connection (a WebSocket) is the one
// the server uses; the ops fuzz target and tests without sockets bring their own.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "protocol.hpp"
#include "session.hpp"

namespace arena::gateway {

struct ConnectionInfo {
  std::string user_id;
  std::string login_id;  // the JWT's sid
  std::int64_t token_expires_at = 0;
  std::string remote_ip;
  std::string subprotocol;  // "arena.v1" when the client offered it
  std::optional<std::string> resume_sid;
  std::optional<std::uint64_t> resume_last_seq;
};

class Link : public Sink {
 public:
  // Sends a close frame with `code` (after what is already being written) and ends the link.
  virtual void close(CloseCode code, std::string reason) = 0;
  // From the gateway's sweep: pings a quiet link, drops a dead one.
  virtual void check_idle(std::chrono::steady_clock::time_point now) = 0;
  virtual const ConnectionInfo& info() const = 0;
  virtual void set_token_expiry(std::int64_t at) = 0;
  virtual std::int64_t token_expiry() const = 0;
  virtual void set_session(std::shared_ptr<Session> s) = 0;
  virtual std::shared_ptr<Session> session() const = 0;
};

// A link without a socket (the ops fuzz target, the routing benchmark): keeps its info and
// session; close and the idle check do nothing; what send() does is the subclass's.
class BareLink : public Link {
 public:
  explicit BareLink(ConnectionInfo info) : info_(std::move(info)) {}
  void close(CloseCode, std::string) override {}
  void check_idle(std::chrono::steady_clock::time_point) override {}
  const ConnectionInfo& info() const override { return info_; }
  void set_token_expiry(std::int64_t at) override { info_.token_expires_at = at; }
  std::int64_t token_expiry() const override { return info_.token_expires_at; }
  void set_session(std::shared_ptr<Session> s) override {
    std::lock_guard lock(mu_);
    session_ = std::move(s);
  }
  std::shared_ptr<Session> session() const override {
    std::lock_guard lock(mu_);
    return session_;
  }

 private:
  ConnectionInfo info_;
  mutable std::mutex mu_;
  std::shared_ptr<Session> session_;
};

// What a link tells the gateway.
class LinkOwner {
 public:
  virtual ~LinkOwner() = default;
  virtual void on_open(const std::shared_ptr<Link>& c) = 0;  // after the WebSocket handshake
  virtual void on_text(const std::shared_ptr<Link>& c, std::string_view text) = 0;
  virtual void on_binary(const std::shared_ptr<Link>& c) = 0;
  virtual void on_rate_limited(const std::shared_ptr<Link>& c, bool close) = 0;
  virtual void on_closed(const std::shared_ptr<Link>& c) = 0;
};

}  // namespace arena::gateway
