#pragma once
// The durable stream events travel on between the processes that emit them and the consumer
// that writes them (the `events` role): setting `events.broker`. `memory` is the in-process
// queue of embedded mode; the brokers come with their own implementations of this interface.
//
// At-least-once: publish() returns once the stream holds every message (a broker confirmed
// them); the consumer acks a batch only after its rows are committed, and an unacked message is
// delivered again. Rows are keyed by the event id, so a message delivered twice is one row.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace arena::events {

struct Outgoing {
  std::string id;  // the event id (a broker's de-duplication key)
  std::string type;
  std::string body;  // the encoded event
};

struct Delivery {
  std::string body;
  std::uint64_t tag = 0;  // the stream's handle for ack()
};

inline constexpr std::size_t kMaxFetchBytes = 16 << 20;

class Stream {
 public:
  virtual ~Stream() = default;
  // Blocks until the stream holds every message. Throws std::runtime_error when it cannot
  // (the publisher keeps the batch and tries again).
  virtual void publish(const std::vector<Outgoing>& batch) = 0;
  // Up to `max` messages and about kMaxFetchBytes of them (a batch stops at the message that
  // passes it: what a broker lets one message be is the rest of the bound), waiting up to `wait`;
  // after close() it hands out what is left without waiting.
  virtual std::vector<Delivery> fetch(std::size_t max, std::chrono::milliseconds wait) = 0;
  // The batch is committed: its messages are not delivered again.
  virtual void ack(const std::vector<Delivery>& batch) = 0;
  // Messages the consumer could not read (stored as dead letters): not delivered again; a broker
  // with a dead-letter queue keeps them there as they came.
  virtual void reject(const std::vector<Delivery>& batch) { ack(batch); }
  // fetch() returns at once from now on; publish() refuses.
  virtual void close() = 0;
  virtual std::string describe() const = 0;
};

// The in-process queue (embedded mode): bounded in messages and in bytes; publish() waits up to a
// second while it is full (on the publisher's thread, never a caller of emit()), then refuses. Not
// durable across a crash of the process: what was queued and not yet committed (at most a batch
// timeout's worth) is lost with it.
class MemoryStream final : public Stream {
 public:
  explicit MemoryStream(std::size_t capacity = 65536, std::size_t max_bytes = 64 << 20)
      : capacity_(capacity), max_bytes_(max_bytes) {}
  void publish(const std::vector<Outgoing>& batch) override;
  std::vector<Delivery> fetch(std::size_t max, std::chrono::milliseconds wait) override;
  void ack(const std::vector<Delivery>&) override {}
  void close() override;
  std::string describe() const override { return "memory"; }
  std::size_t size() const;

 private:
  std::size_t capacity_, max_bytes_;
  std::size_t bytes_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> items_;
  std::uint64_t next_tag_ = 0;
  bool closed_ = false;
};

}  // namespace arena::events

namespace arena::events {

// events.broker = nats://...: a JetStream stream (file storage, work-queue retention: a message
// goes once the consumer acks it) on `events.<type>`, de-duplicated by event id (Nats-Msg-Id)
// within `duplicate_window`. publish() returns once the server confirmed every message of the
// batch. With `consume`, fetch() pulls from the durable consumer that every events role of the
// cluster shares (each message to one of them), acked explicitly after the rows are committed;
// an unacked message comes again after `ack_wait`.
struct NatsStreamSettings {
  std::string url;  // one or more comma-separated nats:// URLs
  std::string client_name;
  std::string stream = "EVENTS";
  std::string durable = "arena-events";
  bool consume = false;
  std::chrono::milliseconds publish_timeout{5000};
  std::chrono::seconds duplicate_window{120};
  std::chrono::seconds ack_wait{30};
  int max_ack_pending = 20000;  // messages handed out and not yet acked, across the consumers
};
// Throws std::runtime_error when no server answers or it has no JetStream (nats-server -js).
std::unique_ptr<Stream> open_nats_stream(const NatsStreamSettings& settings);

}  // namespace arena::events

namespace arena::events {

// events.broker = amqp://user:password@host:port[/vhost] (or rabbitmq://...): RabbitMQ. Events go
// to the durable topic exchange `exchange` with their type as routing key, persistent, with
// publisher confirms: publish() returns once the broker confirmed every message of the batch (a
// nack, an unroutable return or a timeout fails the batch, which the publisher sends again; the
// rows are keyed by event id). Both sides declare the topology, so a publisher that starts first
// loses nothing: the durable queue `queue` bound to the exchange with `#`, whose rejected messages
// (ones the consumer could not read) go through the fanout exchange `dead_exchange` into the
// queue `dead_queue` for an operator. With `consume`, fetch() takes deliveries with at most
// `prefetch` unacked, acked after the rows are committed; a connection that dropped hands its
// unacked messages back to the broker. (A classic queue: a single-node quorum queue did not
// elect its leader again after a SIGKILL of RabbitMQ 3.10 here, and took no more publishes.)
struct RabbitMqStreamSettings {
  std::string url;
  std::string client_name;
  std::string exchange = "arena.events";
  std::string queue = "arena.events.analytics";
  std::string dead_exchange = "arena.events.dead";
  std::string dead_queue = "arena.events.dead";
  bool consume = false;
  std::chrono::milliseconds timeout{5000};  // connecting, and waiting for a batch's confirms
  int prefetch = 2000;
};
// Throws std::runtime_error when the broker does not answer or refuses the login or topology.
std::unique_ptr<Stream> open_rabbitmq_stream(const RabbitMqStreamSettings& settings);
// Messages waiting in the dead-letter queue (for operators and tests).
std::uint32_t rabbitmq_dead_letters(const RabbitMqStreamSettings& settings);

}  // namespace arena::events
