// The event stream on NATS JetStream (events.broker = nats://...).
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include "arena/bus/nats_client.hpp"
#include "arena/events/event.hpp"
#include "arena/events/stream.hpp"

namespace arena::events {

namespace {

void check(natsStatus s, const char* what, jsErrCode jerr = jsErrCode{}) {
  if (s == NATS_OK || jerr == 0) bus::check_nats(s, what);
  bus::check_nats(s, std::string(what) + " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")");
}

std::int64_t ns(std::chrono::nanoseconds d) {
  return d.count();
}

class NatsStream final : public Stream {
 public:
  explicit NatsStream(const NatsStreamSettings& s) : settings_(s) {
    nc_ = bus::connect_nats(s.url, s.client_name);
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.PublishAsync.MaxPending = 65536;
    jo.PublishAsync.ErrHandler = &NatsStream::on_publish_error;
    jo.PublishAsync.ErrHandlerClosure = this;
    jo.Wait = s.publish_timeout.count();
    try {
      check(natsConnection_JetStream(&js_, nc_, &jo), "jetstream");
      ensure_stream();
      if (s.consume) subscribe();
    } catch (...) {
      destroy();
      throw;
    }
  }

  ~NatsStream() override { destroy(); }

  void publish(const std::vector<Outgoing>& batch) override {
    if (closed_) throw std::runtime_error("the event stream is closed");
    failed_ = 0;
    for (const auto& o : batch) {
      const std::string subject = "events." + (valid_type_name(o.type) ? o.type : std::string("invalid"));
      jsPubOptions po;
      jsPubOptions_Init(&po);
      po.MsgId = o.id.c_str();
      po.MaxWait = settings_.publish_timeout.count();  // an ack lost with a server crash fails, not waits forever
      check(js_PublishAsync(js_, subject.c_str(), o.body.data(), static_cast<int>(o.body.size()), &po), "publish");
    }
    jsPubOptions wait;
    jsPubOptions_Init(&wait);
    wait.MaxWait = settings_.publish_timeout.count();
    check(js_PublishAsyncComplete(js_, &wait), "waiting for the stream to confirm events");
    if (failed_ > 0)
      throw std::runtime_error("nats: the stream refused " + std::to_string(failed_.load()) + " of " +
                               std::to_string(batch.size()) + " events");
  }

  std::vector<Delivery> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    if (sub_ == nullptr) throw std::logic_error("this event stream does not consume");
    if (closed_) return {};
    natsMsgList list{};
    jsFetchRequest req;
    jsFetchRequest_Init(&req);
    req.Batch = static_cast<int>(max);
    req.MaxBytes = static_cast<std::int64_t>(kMaxFetchBytes);  // a message is at most the server's max_payload (1 MB)
    req.Expires = ns(std::max(wait, std::chrono::milliseconds(1)));
    const natsStatus s = natsSubscription_FetchRequest(&list, sub_, &req);
    std::vector<Delivery> out;
    if (s != NATS_OK) {
      natsMsgList_Destroy(&list);
      // Nothing came (a timeout), or the server is away: then pause as long as a fetch would
      // have waited, so that the consumer asks again at its usual pace instead of spinning.
      if (s != NATS_TIMEOUT) std::this_thread::sleep_for(wait);
      return out;
    }
    std::lock_guard lock(mu_);
    for (int i = 0; i < list.Count; ++i) {
      natsMsg* m = list.Msgs[i];
      list.Msgs[i] = nullptr;  // ours until acked
      const auto tag = ++next_tag_;
      out.push_back({std::string(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m))), tag});
      held_.emplace(tag, m);
    }
    natsMsgList_Destroy(&list);
    return out;
  }

  void ack(const std::vector<Delivery>& batch) override {
    std::lock_guard lock(mu_);
    for (const auto& d : batch) {
      auto it = held_.find(d.tag);
      if (it == held_.end()) continue;
      natsMsg_Ack(it->second, nullptr);  // lost on the way: the message comes again, and its row is there
      natsMsg_Destroy(it->second);
      held_.erase(it);
    }
  }

  void close() override { closed_ = true; }

  std::string describe() const override { return settings_.url; }

 private:
  static void on_publish_error(jsCtx*, jsPubAckErr*, void* closure) {
    static_cast<NatsStream*>(closure)->failed_.fetch_add(1);
  }

  // The stream, made or brought up to date (any process may be first).
  void ensure_stream() {
    const char* subjects[] = {"events.>"};
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = settings_.stream.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Retention = js_WorkQueuePolicy;
    cfg.Duplicates = ns(settings_.duplicate_window);
    bus::keep_stream(js_, cfg);
  }

  void subscribe() {
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = settings_.stream.c_str();
    so.Config.Durable = settings_.durable.c_str();
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = ns(settings_.ack_wait);
    so.Config.MaxAckPending = settings_.max_ack_pending;
    so.Config.DeliverPolicy = js_DeliverAll;
    jsErrCode jerr{};
    check(js_PullSubscribe(&sub_, js_, "events.>", settings_.durable.c_str(), nullptr, &so, &jerr), "events consumer",
          jerr);
  }

  void destroy() {
    {
      std::lock_guard lock(mu_);
      for (auto& [_, m] : held_) natsMsg_Destroy(m);  // not acked: delivered again later
      held_.clear();
    }
    if (sub_ != nullptr) natsSubscription_Destroy(sub_);  // the durable consumer stays on the server
    sub_ = nullptr;
    if (js_ != nullptr) jsCtx_Destroy(js_);
    js_ = nullptr;
    if (nc_ != nullptr) {
      natsConnection_Close(nc_);
      natsConnection_Destroy(nc_);
    }
    nc_ = nullptr;
  }

  NatsStreamSettings settings_;
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  natsSubscription* sub_ = nullptr;
  std::atomic<bool> closed_{false};
  std::atomic<int> failed_{0};
  std::mutex mu_;
  std::uint64_t next_tag_ = 0;
  std::unordered_map<std::uint64_t, natsMsg*> held_;
};

}  // namespace

std::unique_ptr<Stream> open_nats_stream(const NatsStreamSettings& settings) {
  return std::make_unique<NatsStream>(settings);
}

}  // namespace arena::events
