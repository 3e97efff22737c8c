#include "arena/bus/nats_bus.hpp"

#include <stdexcept>
#include <vector>

#include "arena/bus/memory_bus.hpp"
#include "arena/bus/nats_client.hpp"
#include "arena/core/log.hpp"
#include "arena/core/random.hpp"
#include "delivery.hpp"
#include "request_tracker.hpp"

namespace arena::bus {
namespace {

void check(natsStatus s, const std::string& what) {
  check_nats(s, what);
}

// The closure nats.c hands back to the callbacks: owned by nats.c from subscribe until the
// subscription's on-complete callback.
using Closure = std::shared_ptr<detail::SubState>;
using Callback = void (*)(natsConnection*, natsSubscription*, natsMsg*, void*);

Message view(natsMsg* msg, std::string_view reply) {
  return {natsMsg_GetSubject(msg), reply,
          std::string_view(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)))};
}

void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  const char* reply = natsMsg_GetReply(msg);
  (*static_cast<Closure*>(closure))->deliver(view(msg, reply != nullptr ? reply : ""));
  natsMsg_Destroy(msg);
}

// The inbox of requests: a "no responders" status message (NATS 2.2+) is passed on with the
// reply field set to "503"; replies proper never carry a reply subject of their own.
void on_inbox(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  (*static_cast<Closure*>(closure))->deliver(view(msg, natsMsg_IsNoResponders(msg) ? "503" : ""));
  natsMsg_Destroy(msg);
}

void on_complete(void* closure) {
  delete static_cast<Closure*>(closure);
}

class NatsSubscription final : public Subscription {
 public:
  NatsSubscription(natsSubscription* sub, Closure state) : sub_(sub), state_(std::move(state)) {}
  ~NatsSubscription() override {
    state_->close();
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
  }

 private:
  natsSubscription* sub_;
  Closure state_;
};

std::unique_ptr<Subscription> subscribe_to(natsConnection* nc, const std::string& subject, const std::string& queue,
                                           std::shared_ptr<detail::SubState> state, Callback callback) {
  auto* closure = new Closure(state);
  natsSubscription* sub = nullptr;
  const natsStatus s = queue.empty()
                           ? natsConnection_Subscribe(&sub, nc, subject.c_str(), callback, closure)
                           : natsConnection_QueueSubscribe(&sub, nc, subject.c_str(), queue.c_str(), callback, closure);
  if (s != NATS_OK) {
    delete closure;
    throw std::runtime_error("nats: subscribe " + subject + ": " + natsStatus_GetText(s));
  }
  natsSubscription_SetOnCompleteCB(sub, on_complete, closure);
  natsSubscription_SetPendingLimits(sub, 1 << 20, 256 << 20);
  return std::make_unique<NatsSubscription>(sub, std::move(state));
}

}  // namespace

struct NatsBus::Impl {
  natsConnection* nc = nullptr;
  std::string url;
  const core::Clock* clock = nullptr;
  std::unique_ptr<detail::RequestTracker> tracker;
  std::unique_ptr<Subscription> inbox_sub;
};

void check_nats(natsStatus s, const std::string& what) {
  if (s != NATS_OK) throw std::runtime_error("nats: " + what + ": " + natsStatus_GetText(s));
}

natsConnection* connect_nats(const std::string& url, const std::string& client_name, bool no_echo,
                             bool global_delivery) {
  static const bool opened = [] {
    nats_Open(-1);
    nats_SetMessageDeliveryPoolSize(4);
    return true;
  }();
  (void)opened;
  natsOptions* opts = nullptr;
  check(natsOptions_Create(&opts), "options");
  std::unique_ptr<natsOptions, void (*)(natsOptions*)> guard(opts, natsOptions_Destroy);
  std::vector<std::string> servers;  // comma-separated list
  for (std::size_t start = 0; start <= url.size();) {
    const auto comma = url.find(',', start);
    servers.push_back(url.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  std::vector<const char*> ptrs;
  ptrs.reserve(servers.size());
  for (const auto& s : servers) ptrs.push_back(s.c_str());
  check(natsOptions_SetServers(opts, ptrs.data(), static_cast<int>(ptrs.size())), "servers");
  check(natsOptions_SetName(opts, client_name.c_str()), "name");
  check(natsOptions_SetMaxReconnect(opts, -1), "reconnect");
  check(natsOptions_SetReconnectWait(opts, 250), "reconnect wait");
  check(natsOptions_SetTimeout(opts, 2000), "timeout");
  check(natsOptions_UseGlobalMessageDelivery(opts, global_delivery), "delivery pool");
  check(natsOptions_SetNoEcho(opts, no_echo), "no echo");
  natsConnection* nc = nullptr;
  const natsStatus s = natsConnection_Connect(&nc, opts);
  if (s != NATS_OK) throw std::runtime_error("cannot connect to NATS at " + url + ": " + natsStatus_GetText(s));
  return nc;
}

void keep_stream(jsCtx* js, const jsStreamConfig& cfg) {
  jsStreamConfig copy = cfg;
  jsStreamInfo* si = nullptr;
  jsErrCode jerr{};
  natsStatus s = js_UpdateStream(&si, js, &copy, nullptr, &jerr);
  if (s != NATS_OK && jerr == JSStreamNotFoundErr) {
    jerr = jsErrCode{};
    s = js_AddStream(&si, js, &copy, nullptr, &jerr);
  }
  if (si != nullptr) jsStreamInfo_Destroy(si);
  if (s != NATS_OK)
    throw std::runtime_error(std::string("nats: cannot keep stream ") + cfg.Name +
                             " (is JetStream on: nats-server -js?): " + natsStatus_GetText(s) + " (JetStream error " +
                             std::to_string(static_cast<int>(jerr)) + ")");
}

std::unique_ptr<NatsBus> NatsBus::connect(const std::string& url, const std::string& client_name,
                                          const core::Clock& clock, bool no_echo) {
  natsConnection* nc = connect_nats(url, client_name, no_echo, /*global_delivery=*/true);
  auto impl = std::make_unique<Impl>();
  impl->nc = nc;
  impl->url = url;
  impl->clock = &clock;
  impl->tracker = std::make_unique<detail::RequestTracker>("_INBOX." + core::random_token(12), clock);
  return std::unique_ptr<NatsBus>(new NatsBus(std::move(impl)));
}

NatsBus::NatsBus(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  auto& im = *impl_;
  auto state = std::make_shared<detail::SubState>([&im](const Message& m) {
    im.tracker->resolve(m.subject, m.reply == "503" ? Reply{RequestError::no_responders, {}}
                                                    : Reply{RequestError::none, std::string(m.data)});
  });
  im.inbox_sub = subscribe_to(im.nc, im.tracker->prefix() + ".*", {}, std::move(state), on_inbox);
  flush(std::chrono::seconds(2));
}

NatsBus::~NatsBus() {
  impl_->inbox_sub.reset();
  impl_->tracker.reset();
  natsConnection_Close(impl_->nc);
  natsConnection_Destroy(impl_->nc);
}

std::string NatsBus::describe() const {
  return impl_->url;
}

bool NatsBus::connected() const {
  return natsConnection_Status(impl_->nc) == NATS_CONN_STATUS_CONNECTED;
}

std::unique_ptr<Bus> NatsBus::open_no_echo(const std::string& client_name) {
  return connect(impl_->url, client_name, *impl_->clock, true);
}

void NatsBus::publish(std::string_view subject, std::string_view data, std::string_view reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string subj(subject);
  const auto len = static_cast<int>(data.size());
  const natsStatus s = reply.empty() ? natsConnection_Publish(impl_->nc, subj.c_str(), data.data(), len)
                                     : natsConnection_PublishRequest(impl_->nc, subj.c_str(),
                                                                     std::string(reply).c_str(), data.data(), len);
  if (s != NATS_OK) {
    static auto log = log::get("bus");
    log->warn("msg=\"publish failed\" subject={} error=\"{}\"", subj, natsStatus_GetText(s));
  }
}

std::unique_ptr<Subscription> NatsBus::subscribe(std::string_view pattern, Handler handler,
                                                 std::string_view queue_group) {
  if (!valid_pattern(pattern))
    throw std::invalid_argument("bus: invalid subscription subject '" + std::string(pattern) + "'");
  return subscribe_to(impl_->nc, std::string(pattern), std::string(queue_group),
                      std::make_shared<detail::SubState>(std::move(handler)), on_message);
}

void NatsBus::request(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout,
                      ReplyHandler on_reply) {
  if (!valid_subject(subject)) throw std::invalid_argument("bus: invalid subject '" + std::string(subject) + "'");
  const std::string inbox = impl_->tracker->add(std::move(on_reply), timeout);
  // While reconnecting, nats.c would buffer the request and send it once back: its asker would
  // have heard "timeout" long before, and the op would happen anyway. Refuse it now instead.
  if (natsConnection_Status(impl_->nc) != NATS_CONN_STATUS_CONNECTED) {
    impl_->tracker->resolve(inbox, Reply{RequestError::closed, {}});
    return;
  }
  const std::string subj(subject);
  const natsStatus s =
      natsConnection_PublishRequest(impl_->nc, subj.c_str(), inbox.c_str(), data.data(), static_cast<int>(data.size()));
  if (s != NATS_OK) impl_->tracker->resolve(inbox, Reply{RequestError::closed, {}});
}

bool NatsBus::flush(std::chrono::milliseconds timeout) {
  return natsConnection_FlushTimeout(impl_->nc, timeout.count()) == NATS_OK;
}

std::unique_ptr<Bus> connect(const std::string& url, const std::string& client_name, const core::Clock& clock) {
  if (url.empty() || url == "memory") return std::make_unique<MemoryBus>(2, clock);
  if (url.rfind("nats://", 0) == 0) return NatsBus::connect(url, client_name, clock);
  throw std::invalid_argument("bus URL must be 'memory' or nats://host:port, got '" + url + "'");
}

}  // namespace arena::bus

// ---------------------------------------------------------------- history (JetStream)

namespace arena::bus {
namespace {

class JetStreamHistory final : public History {
 public:
  JetStreamHistory(jsCtx* js, HistorySettings settings)
      : js_(js), settings_(std::move(settings)), stream_(settings_.stream) {}
  ~JetStreamHistory() override { jsCtx_Destroy(js_); }

  bool ensure() override {
    jsStreamInfo* si = nullptr;
    jsErrCode jerr{};
    const natsStatus s = js_GetStreamInfo(&si, js_, stream_.c_str(), nullptr, &jerr);
    if (si != nullptr) jsStreamInfo_Destroy(si);
    if (s == NATS_OK) return false;
    if (jerr != JSStreamNotFoundErr) check(s, "history stream info");
    update();
    return true;
  }

  // Makes the stream, or brings its settings up to date.
  void update() {
    std::vector<const char*> subjects;
    for (const auto& s : settings_.subjects) subjects.push_back(s.c_str());
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = stream_.c_str();
    cfg.Subjects = subjects.data();
    cfg.SubjectsLen = static_cast<int>(subjects.size());
    cfg.Storage = js_MemoryStorage;
    cfg.MaxAge = std::chrono::nanoseconds(settings_.max_age).count();
    cfg.MaxBytes = settings_.max_bytes;
    cfg.Discard = js_DiscardOld;
    keep_stream(js_, cfg);
  }

  std::vector<StoredMessage> since(const std::string& subject, core::SystemTime from, std::size_t limit,
                                   bool& truncated) override {
    truncated = false;
    const std::int64_t from_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(from.time_since_epoch()).count();
    {
      // Most subjects got nothing since `from`: the last message on it says so in one request,
      // without making a consumer.
      natsMsg* last = nullptr;
      jsErrCode lerr{};
      const natsStatus s = js_GetLastMsg(&last, js_, stream_.c_str(), subject.c_str(), nullptr, &lerr);
      if (s == NATS_NOT_FOUND) return {};
      check(s, "history last message");
      const std::int64_t at = natsMsg_GetTime(last);
      natsMsg_Destroy(last);
      if (at < from_ns) return {};
    }
    // An ephemeral pull consumer on the one subject, from `from` (nats-server 2.9 filters a
    // consumer by one subject). Its info says how many messages it has from there; fetches of
    // exactly that many return at once (a fetch asking for more waits for its expiry).
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = stream_.c_str();
    so.Config.DeliverPolicy = js_DeliverByStartTime;
    so.Config.OptStartTime = from_ns;
    so.Config.AckPolicy = js_AckNone;
    so.Config.InactiveThreshold = std::chrono::nanoseconds(std::chrono::seconds(30)).count();
    so.Config.MemoryStorage = true;
    natsSubscription* sub = nullptr;
    jsErrCode jerr{};
    check(js_PullSubscribe(&sub, js_, subject.c_str(), nullptr, nullptr, &so, &jerr), "history consumer");
    std::unique_ptr<natsSubscription, void (*)(natsSubscription*)> guard(sub, [](natsSubscription* s) {
      natsSubscription_Unsubscribe(s);  // deletes the ephemeral consumer
      natsSubscription_Destroy(s);
    });
    jsConsumerInfo* ci = nullptr;
    check(natsSubscription_GetConsumerInfo(&ci, sub, nullptr, &jerr), "history consumer info");
    std::uint64_t pending = ci->NumPending;
    jsConsumerInfo_Destroy(ci);
    if (pending > limit) {
      truncated = true;
      pending = limit;
    }
    std::vector<StoredMessage> out;
    while (out.size() < pending) {
      natsMsgList list{};
      const int batch = static_cast<int>(std::min<std::uint64_t>(256, pending - out.size()));
      check(natsSubscription_Fetch(&list, sub, batch, 2'000, &jerr), "history fetch");
      for (int i = 0; i < list.Count; ++i) {
        natsMsg* m = list.Msgs[i];
        jsMsgMetaData* meta = nullptr;
        if (natsMsg_GetMetaData(&meta, m) != NATS_OK) continue;
        out.push_back({meta->Sequence.Stream, natsMsg_GetSubject(m),
                       std::string(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)))});
        jsMsgMetaData_Destroy(meta);
      }
      const bool empty = list.Count == 0;
      natsMsgList_Destroy(&list);
      if (empty) break;
    }
    return out;
  }

 private:
  jsCtx* js_;
  const HistorySettings settings_;
  const std::string stream_;
};

}  // namespace

std::unique_ptr<History> NatsBus::keep_history(const HistorySettings& settings) {
  jsCtx* js = nullptr;
  check(natsConnection_JetStream(&js, impl_->nc, nullptr), "jetstream");
  auto history = std::make_unique<JetStreamHistory>(js, settings);  // owns js from here
  history->update();
  return history;
}

}  // namespace arena::bus
