#include "arena/bus/nats_bus.hpp"

#include <nats/nats.h>

#include <stdexcept>

#include "arena/bus/memory_bus.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "delivery.hpp"
#include "request_tracker.hpp"

namespace arena::bus {
namespace {

void check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) throw std::runtime_error("nats: " + what + ": " + natsStatus_GetText(s));
}

// The closure nats.c hands back to the callbacks: owned by nats.c from subscribe until the
// subscription's on-complete callback.
using Closure = std::shared_ptr<detail::SubState>;

void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto& state = *static_cast<Closure*>(closure);
  const char* reply = natsMsg_GetReply(msg);
  const Message m{natsMsg_GetSubject(msg), reply != nullptr ? std::string_view(reply) : std::string_view(),
                  std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
  state->deliver(m);
  natsMsg_Destroy(msg);
}

// The inbox of requests: a "no responders" status message (NATS 2.2+) is passed on with the
// reply field set to "503"; replies proper never carry a reply subject of their own.
void on_inbox(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto& state = *static_cast<Closure*>(closure);
  const bool none = natsMsg_IsNoResponders(msg);
  const Message m{natsMsg_GetSubject(msg), none ? std::string_view("503") : std::string_view(),
                  std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
  state->deliver(m);
  natsMsg_Destroy(msg);
}

void on_complete(void* closure) {
  delete static_cast<Closure*>(closure);
}

}  // namespace

class NatsBus::Sub final : public Subscription {
 public:
  Sub(natsSubscription* sub, Closure state) : sub_(sub), state_(std::move(state)) {}
  ~Sub() override {
    state_->close();
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }

 private:
  natsSubscription* sub_;
  Closure state_;
};

std::unique_ptr<NatsBus> NatsBus::connect(const std::string& url, const std::string& client_name) {
  static const bool pool = [] {
    nats_Open(-1);
    nats_SetMessageDeliveryPoolSize(4);
    return true;
  }();
  (void)pool;
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "options");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  // Comma-separated list of servers.
  std::vector<std::string> servers;
  for (std::size_t start = 0; start <= url.size();) {
    const auto comma = url.find(',', start);
    servers.push_back(url.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<const char*> ptrs;
  for (const auto& s : servers) ptrs.push_back(s.c_str());
  check(natsOptions_SetServers(opts, ptrs.data(), static_cast<int>(ptrs.size())), "servers");
  check(natsOptions_SetName(opts, client_name.c_str()), "name");
  check(natsOptions_SetMaxReconnect(opts, -1), "reconnect");
  check(natsOptions_SetReconnectWait(opts, 250), "reconnect wait");
  check(natsOptions_SetTimeout(opts, 2000), "timeout");
  check(natsOptions_UseGlobalMessageDelivery(opts, true), "delivery pool");
  natsConnection* nc = nullptr;
  const natsStatus s = natsConnection_Connect(&nc, opts);
  if (s != NATS_OK) throw std::runtime_error("cannot connect to NATS at " + url + ": " + natsStatus_GetText(s));
  return std::unique_ptr<NatsBus>(new NatsBus(nc, url));
}

NatsBus::NatsBus(natsConnection* nc, std::string url)
    : nc_(nc),
      url_(std::move(url)),
      tracker_(std::make_unique<detail::RequestTracker>("_INBOX." + core::random_token(12))) {
  auto state = std::make_shared<detail::SubState>([this](const Message& m) {
    tracker_->resolve(m.subject, m.reply == "503" ? Reply{RequestError::no_responders, {}}
                                                  : Reply{RequestError::none, std::string(m.data)});
  });
  inbox_sub_ = subscribe_raw(tracker_->prefix() + ".*", {}, std::move(state), on_inbox);
  flush(std::chrono::seconds(2));
}

NatsBus::~NatsBus() {
  inbox_sub_.reset();
  tracker_.reset();
  natsConnection_Close(nc_);
  natsConnection_Destroy(nc_);
}

void NatsBus::publish(std::string_view subject, std::string_view data, std::string_view reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string subj(subject);
  const natsStatus s = reply.empty()
                           ? natsConnection_Publish(nc_, subj.c_str(), data.data(), static_cast<int>(data.size()))
                           : natsConnection_PublishRequest(nc_, subj.c_str(), std::string(reply).c_str(), data.data(),
                                                           static_cast<int>(data.size()));
  if (s != NATS_OK) {
    static auto log = log::get("bus");
    log->warn("msg=\"publish failed\" subject={} error=\"{}\"", subj, natsStatus_GetText(s));
  }
}

std::unique_ptr<Subscription> NatsBus::subscribe(std::string_view pattern, Handler handler,
                                                 std::string_view queue_group) {
  if (!valid_pattern(pattern))
    throw std::invalid_argument("bus: invalid subscription subject '" + std::string(pattern) + "'");
  return subscribe_raw(std::string(pattern), std::string(queue_group),
                       std::make_shared<detail::SubState>(std::move(handler)), on_message);
}

std::unique_ptr<Subscription> NatsBus::subscribe_raw(const std::string& subject, const std::string& queue,
                                                     std::shared_ptr<detail::SubState> state,
                                                     void (*callback)(natsConnection*, natsSubscription*, natsMsg*,
                                                                      void*)) {
  auto* closure = new Closure(state);
  natsSubscription* sub = nullptr;
  const natsStatus s =
      queue.empty() ? natsConnection_Subscribe(&sub, nc_, subject.c_str(), callback, closure)
                    : natsConnection_QueueSubscribe(&sub, nc_, subject.c_str(), queue.c_str(), callback, closure);
  if (s != NATS_OK) {
    delete closure;
    throw std::runtime_error("nats: subscribe " + subject + ": " + natsStatus_GetText(s));
  }
  natsSubscription_SetOnCompleteCB(sub, on_complete, closure);
  natsSubscription_SetPendingLimits(sub, 1 << 20, 256 << 20);
  return std::make_unique<Sub>(sub, std::move(state));
}

void NatsBus::request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
                      ReplyHandler on_reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string inbox = tracker_->add(std::move(on_reply), timeout);
  const std::string subj(subject);
  const natsStatus s =
      natsConnection_PublishRequest(nc_, subj.c_str(), inbox.c_str(), data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) tracker_->resolve(inbox, Reply{RequestError::closed, {}});
}

bool NatsBus::flush(std::chrono::milliseconds timeout) {
  return natsConnection_FlushTimeout(nc_, timeout.count()) == NATS_OK;
}

std::unique_ptr<Bus> connect(const std::string& url, const std::string& client_name) {
  if (url.empty() || url == "memory") return std::make_unique<MemoryBus>();
  if (url.rfind("nats://", 0) == 0) return NatsBus::connect(url, client_name);
  throw std::invalid_argument("bus URL must be 'memory' or nats://host:port, got '" + url + "'");
}

}  // namespace arena::bus
