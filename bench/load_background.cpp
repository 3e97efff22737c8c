// GCC 12 misreports Asio's coroutine frames (class-specific operator new/delete) as mismatched.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#include "load_background.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace arena::load {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// An error reply from the server (as opposed to a broken socket).
struct ErrorReply : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Guest login_one(beast::tcp_stream& s, beast::flat_buffer& buf, const Target& t) {
  bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/v1/auth/guest", 11};
  req.set(bhttp::field::host, t.host);
  req.keep_alive(true);
  bhttp::write(s, req);
  bhttp::response<bhttp::string_body> res;
  bhttp::read(s, buf, res);
  if (res.result_int() != 200) throw ErrorReply("guest login: HTTP " + std::to_string(res.result_int()));
  const auto body = json::parse(res.body()).as_object();
  return {std::string(body.at("user_id").as_string()), std::string(body.at("access_token").as_string())};
}

// One player's WebSocket, with blocking request/reply by rid (events in between are skipped).
class Socket {
 public:
  Socket(asio::io_context& ioc, const Target& t, const std::string& token) : ws_(ioc) {
    beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address(t.host), t.port));
    ws_.set_option(websocket::stream_base::decorator(
        [token](websocket::request_type& req) { req.set(bhttp::field::authorization, "Bearer " + token); }));
    ws_.handshake(t.host, "/v1/ws");
    beast::flat_buffer b;
    ws_.read(b);  // session.welcome
  }

  // The reply's `d`; throws std::runtime_error with the error code on an error reply.
  json::object call(std::string_view op, const json::object& d) {
    const std::string rid = "r" + std::to_string(++next_);
    ws_.write(asio::buffer(json::serialize(json::object{{"op", op}, {"rid", rid}, {"d", d}})));
    for (;;) {
      beast::flat_buffer b;
      ws_.read(b);
      auto v = json::parse(beast::buffers_to_string(b.data()));
      auto& o = v.as_object();
      const auto* r = o.if_contains("rid");
      if (r == nullptr || !r->is_string() || r->as_string() != rid) continue;
      auto& body = o["d"].as_object();
      if (o.at("op").as_string() == "error") throw ErrorReply(std::string(body.at("code").as_string()));
      return body;
    }
  }

  // Drops the TCP connection without a close frame: the server keeps the session resumable.
  void drop() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().close(ec);
  }

 private:
  websocket::stream<beast::tcp_stream> ws_;
  std::uint64_t next_ = 0;
};

const json::object kRegions{{"eu", 20}};

}  // namespace

std::vector<Guest> login_guests(const Target& t, int count, int concurrency) {
  std::vector<Guest> out(static_cast<std::size_t>(count));
  std::atomic<int> next{0};
  std::mutex mu;
  std::string failure;
  std::vector<std::thread> workers;
  for (int w = 0; w < std::min(concurrency, count); ++w) {
    workers.emplace_back([&] {
      try {
        asio::io_context ioc;
        beast::tcp_stream s(ioc);
        s.connect(tcp::endpoint(asio::ip::make_address(t.host), t.port));
        beast::flat_buffer buf;
        for (int i = next++; i < count; i = next++) out[static_cast<std::size_t>(i)] = login_one(s, buf, t);
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        if (failure.empty()) failure = e.what();
        next = count;  // the others stop too
      }
    });
  }
  for (auto& w : workers) w.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  return out;
}

int hold_tickets(const Target& t, const std::string& mode, int tickets, int party_size, int threads) {
  const auto players = login_guests(t, tickets * party_size, 64);
  std::atomic<int> next{0}, queued{0}, failed{0};
  std::mutex mu;
  std::string first_error;
  std::vector<std::thread> workers;
  for (int w = 0; w < threads; ++w) {
    workers.emplace_back([&] {
      asio::io_context ioc;
      for (int p = next++; p < tickets; p = next++) {
        try {
          std::vector<std::unique_ptr<Socket>> party;
          for (int m = 0; m < party_size; ++m)
            party.push_back(
                std::make_unique<Socket>(ioc, t, players[static_cast<std::size_t>(p * party_size + m)].token));
          if (party_size > 1) {
            const auto view = party[0]->call("party.create", {});
            const json::string id = view.at("party_id").as_string();
            for (int m = 1; m < party_size; ++m) {
              party[0]->call("party.invite",
                             {{"user_id", players[static_cast<std::size_t>(p * party_size + m)].user_id}});
              party[static_cast<std::size_t>(m)]->call("party.accept", {{"party_id", id}});
            }
          }
          party[0]->call("mm.enqueue", {{"mode", mode}, {"regions", kRegions}});
          ++queued;
          for (auto& s : party) s->drop();
        } catch (const std::exception& e) {
          ++failed;
          std::lock_guard lock(mu);
          if (first_error.empty()) first_error = e.what();
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  if (failed > 0) std::cerr << "arena-load: " << failed << " held tickets failed, first: " << first_error << "\n";
  return queued.load();
}

Background::Background(Target t, BackgroundOptions o) : target_(std::move(t)), opt_(std::move(o)) {}

Background::~Background() {
  stop();
}

void Background::start() {
  if (opt_.mm_ops_per_second > 0) {
    mm_players_ = login_guests(target_, opt_.mm_connections, 8);
    mm_latency_ms_.resize(mm_players_.size());
  }
  if (opt_.logins_per_second > 0) {
    const int workers = std::clamp(static_cast<int>(opt_.logins_per_second / 250), 2, 32);
    for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w, workers] { login_loop(w, workers); });
  }
  for (std::size_t i = 0; i < mm_players_.size(); ++i)
    threads_.emplace_back([this, i] { mm_loop(static_cast<int>(i), mm_players_[i].token); });
}

void Background::stop() {
  stop_ = true;
  for (auto& t : threads_) t.join();
  threads_.clear();
}

// Paced: worker w of n sends its share of logins_per_second, each at its own slot.
void Background::login_loop(int worker, int workers) {
  const auto interval = std::chrono::nanoseconds(static_cast<std::int64_t>(1e9 * workers / opt_.logins_per_second));
  auto next = Clock::now() + interval * worker / workers;
  try {
    asio::io_context ioc;
    beast::tcp_stream s(ioc);
    s.connect(tcp::endpoint(asio::ip::make_address(target_.host), target_.port));
    beast::flat_buffer buf;
    while (!stop_) {
      std::this_thread::sleep_until(next);
      next += interval;
      try {
        login_one(s, buf, target_);
        ++logins;
      } catch (const ErrorReply&) {
        ++login_errors;
      }
    }
  } catch (const std::exception& e) {
    ++login_errors;
    std::cerr << "arena-load: login stream stopped: " << e.what() << "\n";
  }
}

void Background::mm_loop(int worker, std::string token) {
  const auto interval = std::chrono::nanoseconds(
      static_cast<std::int64_t>(1e9 * static_cast<double>(mm_players_.size()) / opt_.mm_ops_per_second));
  auto next = Clock::now() + interval * worker / static_cast<int>(mm_players_.size());
  auto& lat = mm_latency_ms_[static_cast<std::size_t>(worker)];
  try {
    asio::io_context ioc;
    Socket s(ioc, target_, token);
    bool queued = false;
    while (!stop_) {
      std::this_thread::sleep_until(next);
      next += interval;
      const auto t0 = Clock::now();
      try {
        if (queued) {
          s.call("mm.cancel", {});
        } else {
          s.call("mm.enqueue", {{"mode", opt_.mm_mode}, {"regions", kRegions}});
        }
        ++mm_replies;
      } catch (const ErrorReply&) {
        ++mm_errors;  // e.g. not_queued after the ticket was matched: still an op the matchmaker ran
      }
      queued = !queued;
      lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    }
  } catch (const std::exception& e) {
    ++mm_errors;
    std::cerr << "arena-load: matchmaking stream stopped: " << e.what() << "\n";
  }
}

double Background::mm_reply_p99_ms() const {
  std::vector<double> all;
  for (const auto& v : mm_latency_ms_) all.insert(all.end(), v.begin(), v.end());
  if (all.empty()) return 0;
  const auto k = static_cast<std::size_t>(0.99 * static_cast<double>(all.size() - 1));
  std::nth_element(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
  return all[k];
}

}  // namespace arena::load
