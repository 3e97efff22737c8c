#pragma once
// arena-load's background traffic, for measuring what real-time clients see while the rest of
// the process is busy: a matchmaker holding many queued tickets, a stream of client
// matchmaking ops, and a stream of logins. Synchronous Beast clients on their own threads, so
// the load tool's measuring threads do none of it.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace arena::load {

struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
};

struct Guest {
  std::string user_id;
  std::string token;
};
// Logs in `count` guests over `concurrency` keep-alive connections; throws on the first failure.
std::vector<Guest> login_guests(const Target& t, int count, int concurrency);

// Queues `tickets` party tickets of `party_size` players in `mode` (a mode in which such
// parties cannot complete a match, such as 2 × 4 with parties of 3 and no bots), then drops
// the sockets without a close frame: the sessions stay resumable (the server needs a long
// gateway.resume_window), so the players stay online and the tickets stay queued. Returns the
// tickets queued.
int hold_tickets(const Target& t, const std::string& mode, int tickets, int party_size, int threads);

struct BackgroundOptions {
  double logins_per_second = 0;  // guest logins over HTTP
  double mm_ops_per_second = 0;  // mm.enqueue then mm.cancel, alternating, in `mm_mode`
  int mm_connections = 20;
  std::string mm_mode = "hold";
};

// Runs the background streams from start() until stop().
class Background {
 public:
  Background(Target t, BackgroundOptions o);
  ~Background();
  void start();
  void stop();

  std::atomic<std::uint64_t> logins{0}, login_errors{0};
  std::atomic<std::uint64_t> mm_replies{0}, mm_errors{0};
  double mm_reply_p99_ms() const;

 private:
  void login_loop(int worker, int workers);
  void mm_loop(int worker, std::string token);
  Target target_;
  BackgroundOptions opt_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::vector<Guest> mm_players_;
  mutable std::vector<std::vector<double>> mm_latency_ms_;  // per mm worker
};

}  // namespace arena::load
