// The event stream on RabbitMQ (events.broker = amqp://... or rabbitmq://...), with rabbitmq-c.
// A rabbitmq-c connection is not thread-safe: the publisher thread and the consumer thread each
// have their own, opened when first needed and opened again after any failure.
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "arena/events/event.hpp"
#include "arena/events/stream.hpp"

namespace arena::events {

namespace {

using Clock = std::chrono::steady_clock;
constexpr amqp_channel_t kChannel = 1;
constexpr int kGenerationShift = 48;  // Delivery::tag = connection generation << 48 | delivery tag

amqp_bytes_t bytes(const std::string& s) {
  return {s.size(), const_cast<char*>(s.data())};
}

timeval to_timeval(std::chrono::microseconds d) {
  d = std::max(d, std::chrono::microseconds(0));
  return {static_cast<time_t>(d.count() / 1'000'000), static_cast<suseconds_t>(d.count() % 1'000'000)};
}

std::string describe_reply(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL: return "ok";
    case AMQP_RESPONSE_NONE: return "no reply";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION: return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return "connection closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(static_cast<const char*>(m->reply_text.bytes), m->reply_text.len);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return "channel closed by the broker: " + std::to_string(m->reply_code) + " " +
               std::string(static_cast<const char*>(m->reply_text.bytes), m->reply_text.len);
      }
      return std::string("broker error: ") + amqp_method_name(r.reply.id);
  }
  return "unknown reply";
}

void check(const amqp_rpc_reply_t& r, const std::string& what) {
  if (r.reply_type != AMQP_RESPONSE_NORMAL) throw std::runtime_error("rabbitmq: " + what + ": " + describe_reply(r));
}

void check_status(int status, const std::string& what) {
  if (status < 0) throw std::runtime_error("rabbitmq: " + what + ": " + amqp_error_string2(status));
}

// One connection with channel 1 open and the topology declared.
class Connection {
 public:
  Connection(const RabbitMqStreamSettings& s, const std::string& role) : conn_(amqp_new_connection()) {
    if (conn_ == nullptr) throw std::runtime_error("rabbitmq: out of memory");
    try {
      open(s, role);
    } catch (...) {
      amqp_destroy_connection(conn_);
      throw;
    }
  }
  ~Connection() {
    amqp_channel_close(conn_, kChannel, AMQP_REPLY_SUCCESS);
    amqp_connection_close(conn_, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(conn_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  amqp_connection_state_t get() const { return conn_; }

 private:
  void open(const RabbitMqStreamSettings& s, const std::string& role) {
    std::string url = s.url;
    if (url.rfind("rabbitmq://", 0) == 0) url = "amqp://" + url.substr(11);
    std::vector<char> buffer(url.begin(), url.end());
    buffer.push_back('\0');
    amqp_connection_info info;
    amqp_default_connection_info(&info);
    if (amqp_parse_url(buffer.data(), &info) != AMQP_STATUS_OK)
      throw std::runtime_error("rabbitmq: not an amqp:// URL: " + s.url);
    if (info.ssl) throw std::runtime_error("rabbitmq: amqps:// is not supported (use amqp://)");
    if (info.vhost[0] == '\0') info.vhost = const_cast<char*>("/");
    amqp_socket_t* socket = amqp_tcp_socket_new(conn_);
    if (socket == nullptr) throw std::runtime_error("rabbitmq: cannot make a socket");
    timeval tv = to_timeval(s.timeout);
    check_status(amqp_socket_open_noblock(socket, info.host, info.port, &tv),
                 "connecting to " + std::string(info.host) + ":" + std::to_string(info.port));
    check_status(amqp_set_rpc_timeout(conn_, &tv), "rpc timeout");
    const std::string name = s.client_name + " (" + role + ")";
    amqp_table_entry_t entry;
    entry.key = amqp_cstring_bytes("connection_name");
    entry.value.kind = AMQP_FIELD_KIND_UTF8;
    entry.value.value.bytes = bytes(name);
    const amqp_table_t properties{1, &entry};
    // No heartbeats: rabbitmq-c answers them only inside its calls, and an idle publisher would be
    // dropped; a dead connection shows as a failed call, and the next call opens a new one.
    check(amqp_login_with_properties(conn_, info.vhost, 0, AMQP_DEFAULT_FRAME_SIZE, 0, &properties,
                                     AMQP_SASL_METHOD_PLAIN, info.user, info.password),
          "login");
    amqp_channel_open(conn_, kChannel);
    check(amqp_get_rpc_reply(conn_), "opening a channel");
    declare(s);
  }

  void declare(const RabbitMqStreamSettings& s) {
    amqp_exchange_declare(conn_, kChannel, bytes(s.exchange), amqp_cstring_bytes("topic"), 0, 1, 0, 0,
                          amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "declaring exchange " + s.exchange);
    amqp_exchange_declare(conn_, kChannel, bytes(s.dead_exchange), amqp_cstring_bytes("fanout"), 0, 1, 0, 0,
                          amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "declaring exchange " + s.dead_exchange);
    amqp_queue_declare(conn_, kChannel, bytes(s.dead_queue), 0, 1, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "declaring queue " + s.dead_queue);
    amqp_queue_bind(conn_, kChannel, bytes(s.dead_queue), bytes(s.dead_exchange), amqp_cstring_bytes(""),
                    amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "binding queue " + s.dead_queue);
    amqp_table_entry_t args[2];
    args[0].key = amqp_cstring_bytes("x-dead-letter-exchange");
    args[0].value.kind = AMQP_FIELD_KIND_UTF8;
    args[0].value.value.bytes = bytes(s.dead_exchange);
    args[1].key = amqp_cstring_bytes("x-queue-version");  // classic queues' second storage: less work per message
    args[1].value.kind = AMQP_FIELD_KIND_I32;
    args[1].value.value.i32 = 2;
    amqp_queue_declare(conn_, kChannel, bytes(s.queue), 0, 1, 0, 0, amqp_table_t{2, args});
    check(amqp_get_rpc_reply(conn_), "declaring queue " + s.queue);
    amqp_queue_bind(conn_, kChannel, bytes(s.queue), bytes(s.exchange), amqp_cstring_bytes("#"), amqp_empty_table);
    check(amqp_get_rpc_reply(conn_), "binding queue " + s.queue);
  }

  amqp_connection_state_t conn_;
};

class RabbitMqStream final : public Stream {
 public:
  explicit RabbitMqStream(const RabbitMqStreamSettings& s) : settings_(s) {
    // Fail at start when the broker is not there or refuses the topology (a wrong setting).
    publisher_ = open_publisher();
    if (s.consume) open_consumer();
  }

  void publish(const std::vector<Outgoing>& batch) override {
    if (closed_) throw std::runtime_error("the event stream is closed");
    std::lock_guard lock(pub_mu_);
    try {
      if (!publisher_) publisher_ = open_publisher();
      publish_confirmed(batch);
    } catch (...) {
      publisher_.reset();  // confirms and sequence numbers of a broken channel mean nothing
      throw;
    }
  }

  std::vector<Delivery> fetch(std::size_t max, std::chrono::milliseconds wait) override {
    if (!settings_.consume) throw std::logic_error("this event stream does not consume");
    std::vector<Delivery> out;
    if (closed_) return out;
    std::lock_guard lock(con_mu_);
    const auto deadline = Clock::now() + wait;
    try {
      if (!consumer_) open_consumer();
      std::size_t bytes_held = 0;
      while (out.size() < max && bytes_held < kMaxFetchBytes && !closed_) {
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        if (!take_one(out, left)) break;
        if (!out.empty()) bytes_held += out.back().body.size();
      }
    } catch (const std::runtime_error&) {
      consumer_.reset();  // its unacked deliveries go back to the queue: fetched again later
      out.clear();
      std::this_thread::sleep_until(deadline);  // the broker is away: ask again at the usual pace
    }
    return out;
  }

  void ack(const std::vector<Delivery>& batch) override { settle(batch, true); }
  void reject(const std::vector<Delivery>& batch) override { settle(batch, false); }

  void close() override { closed_ = true; }

  std::string describe() const override {
    // Without the password.
    const auto at = settings_.url.rfind('@');
    const auto scheme = settings_.url.find("://");
    if (at == std::string::npos || scheme == std::string::npos) return settings_.url;
    return settings_.url.substr(0, scheme + 3) + settings_.url.substr(at + 1);
  }

 private:
  std::unique_ptr<Connection> open_publisher() {
    auto c = std::make_unique<Connection>(settings_, "publisher");
    amqp_confirm_select(c->get(), kChannel);
    check(amqp_get_rpc_reply(c->get()), "publisher confirms");
    next_seq_ = 1;
    return c;
  }

  void open_consumer() {
    auto c = std::make_unique<Connection>(settings_, "consumer");
    amqp_basic_qos(c->get(), kChannel, 0, static_cast<std::uint16_t>(std::clamp(settings_.prefetch, 1, 65535)), 0);
    check(amqp_get_rpc_reply(c->get()), "prefetch");
    amqp_basic_consume(c->get(), kChannel, bytes(settings_.queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    check(amqp_get_rpc_reply(c->get()), "consuming " + settings_.queue);
    consumer_ = std::move(c);
    ++generation_;
    unsettled_.clear();
  }

  // Acks (or rejects into the dead-letter queue) what this connection delivered. A batch of acks
  // that leaves nothing unsettled below its highest tag is one ack with `multiple` (the broker's
  // work per message is what limits this stream).
  void settle(const std::vector<Delivery>& batch, bool ok) {
    std::lock_guard lock(con_mu_);
    if (!consumer_) return;  // the connection dropped: the broker delivers those again
    std::vector<std::uint64_t> tags;
    for (const auto& d : batch) {
      if ((d.tag >> kGenerationShift) != generation_) continue;  // from an earlier connection
      const std::uint64_t tag = d.tag & ((std::uint64_t{1} << kGenerationShift) - 1);
      if (unsettled_.erase(tag) != 0) tags.push_back(tag);
    }
    if (tags.empty()) return;
    const std::uint64_t top = *std::max_element(tags.begin(), tags.end());
    int status = AMQP_STATUS_OK;
    if (ok && (unsettled_.empty() || *unsettled_.begin() > top)) {
      status = amqp_basic_ack(consumer_->get(), kChannel, top, 1);
    } else {
      for (const auto tag : tags) {
        status = ok ? amqp_basic_ack(consumer_->get(), kChannel, tag, 0)
                    : amqp_basic_reject(consumer_->get(), kChannel, tag, 0);
        if (status != AMQP_STATUS_OK) break;
      }
    }
    if (status != AMQP_STATUS_OK) consumer_.reset();
  }

  // Publishes the batch and waits for the broker to confirm each message.
  void publish_confirmed(const std::vector<Outgoing>& batch) {
    amqp_connection_state_t conn = publisher_->get();
    const std::uint64_t first = next_seq_;
    for (const auto& o : batch) {
      const std::string key = valid_type_name(o.type) ? o.type : std::string("invalid");
      amqp_basic_properties_t props;
      props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                     AMQP_BASIC_TYPE_FLAG;
      props.content_type = amqp_cstring_bytes("application/json");
      props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
      props.message_id = bytes(o.id);
      props.type = bytes(key);
      check_status(
          amqp_basic_publish(conn, kChannel, bytes(settings_.exchange), bytes(key), 1, 0, &props, bytes(o.body)),
          "publish");
      ++next_seq_;
    }
    std::vector<bool> confirmed(batch.size(), false);
    std::size_t pending = batch.size();
    std::size_t refused = 0;
    const auto mark = [&](std::uint64_t tag, bool multiple, bool ok) {
      const std::uint64_t from = multiple ? first : tag;
      for (std::uint64_t t = std::max(from, first); t <= tag && t < first + batch.size(); ++t) {
        if (confirmed[t - first]) continue;
        confirmed[t - first] = true;
        --pending;
        if (!ok) ++refused;
      }
    };
    const auto deadline = Clock::now() + settings_.timeout;
    while (pending > 0) {
      timeval tv = to_timeval(std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now()));
      amqp_frame_t frame;
      const int status = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
      if (status == AMQP_STATUS_TIMEOUT)
        throw std::runtime_error("rabbitmq: " + std::to_string(pending) + " of " + std::to_string(batch.size()) +
                                 " events not confirmed in time");
      check_status(status, "waiting for confirms");
      if (frame.frame_type != AMQP_FRAME_METHOD) continue;
      switch (frame.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
          const auto* a = static_cast<amqp_basic_ack_t*>(frame.payload.method.decoded);
          mark(a->delivery_tag, a->multiple != 0, true);
          break;
        }
        case AMQP_BASIC_NACK_METHOD: {
          const auto* n = static_cast<amqp_basic_nack_t*>(frame.payload.method.decoded);
          mark(n->delivery_tag, n->multiple != 0, false);
          break;
        }
        case AMQP_BASIC_RETURN_METHOD: {  // unroutable (the queue is gone): its ack follows, but it went nowhere
          amqp_message_t message;
          check(amqp_read_message(conn, frame.channel, &message, 0), "reading a returned event");
          amqp_destroy_message(&message);
          ++refused;
          break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD:
        case AMQP_CONNECTION_CLOSE_METHOD:
          throw std::runtime_error("rabbitmq: the broker closed the publisher's channel");
        default: break;
      }
    }
    amqp_maybe_release_buffers(conn);
    if (refused > 0)
      throw std::runtime_error("rabbitmq: the broker refused " + std::to_string(refused) + " of " +
                               std::to_string(batch.size()) + " events");
  }

  // Waits up to `left` for one delivery; false when none came.
  bool take_one(std::vector<Delivery>& out, std::chrono::microseconds left) {
    amqp_connection_state_t conn = consumer_->get();
    amqp_maybe_release_buffers(conn);
    amqp_envelope_t envelope;
    timeval tv = to_timeval(left);
    const amqp_rpc_reply_t r = amqp_consume_message(conn, &envelope, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
      out.push_back({std::string(static_cast<const char*>(envelope.message.body.bytes), envelope.message.body.len),
                     (generation_ << kGenerationShift) | envelope.delivery_tag});
      unsettled_.insert(envelope.delivery_tag);
      amqp_destroy_envelope(&envelope);
      return true;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) return false;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
      amqp_frame_t frame;  // something other than a delivery: a close or a cancel ends this connection
      check_status(amqp_simple_wait_frame(conn, &frame), "reading a frame");
      if (frame.frame_type == AMQP_FRAME_METHOD && (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD ||
                                                    frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
                                                    frame.payload.method.id == AMQP_BASIC_CANCEL_METHOD))
        throw std::runtime_error("rabbitmq: the broker ended the consumer");
      return true;  // not a delivery, but the wait is not over
    }
    check(r, "consuming");
    return false;
  }

  RabbitMqStreamSettings settings_;
  std::atomic<bool> closed_{false};
  std::mutex pub_mu_;
  std::unique_ptr<Connection> publisher_;
  std::uint64_t next_seq_ = 1;
  std::mutex con_mu_;
  std::unique_ptr<Connection> consumer_;
  std::uint64_t generation_ = 0;
  std::set<std::uint64_t> unsettled_;  // delivered on this connection, not acked or rejected yet
};

}  // namespace

std::uint32_t rabbitmq_dead_letters(const RabbitMqStreamSettings& settings) {
  Connection c(settings, "operator");
  const auto* ok = amqp_queue_declare(c.get(), kChannel, bytes(settings.dead_queue), 1, 0, 0, 0, amqp_empty_table);
  check(amqp_get_rpc_reply(c.get()), "looking at queue " + settings.dead_queue);
  return ok->message_count;
}

std::unique_ptr<Stream> open_rabbitmq_stream(const RabbitMqStreamSettings& settings) {
  return std::make_unique<RabbitMqStream>(settings);
}

}  // namespace arena::events
