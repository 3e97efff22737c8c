#include "arena/testing/player.hpp"

#include <chrono>
#include <stdexcept>

#include "arena/testing/http_client.hpp"

namespace arena::testing {
namespace json = boost::json;

Login guest(std::uint16_t port) {
  HttpClient http(port);
  auto r = http.post_json("/v1/auth/guest", "");
  auto o = r.json().as_object();
  return {std::string(o.at("user_id").as_string()), std::string(o.at("access_token").as_string())};
}

std::string str(const json::value& v, std::initializer_list<const char*> path) {
  const json::value* cur = &v;
  for (const char* k : path) cur = &cur->as_object().at(k);
  return std::string(cur->as_string());
}

json::value frame(const char* op, json::object d, json::value rid) {
  json::object o{{"op", op}, {"d", std::move(d)}};
  if (!rid.is_null()) o["rid"] = rid;
  return o;
}

Player::Player(std::uint16_t port, Login l, const WsOptions& extra)
    : login(std::move(l)), ws([&] {
        WsOptions o = extra;
        o.token = login.token;
        return std::make_unique<WsClient>(port, o);
      }()) {
  auto w = ws->recv_op("session.welcome");
  if (!w) throw std::runtime_error("no welcome");
  welcome = *w;
  sid = str(welcome, {"d", "sid"});
}

json::value Player::request(const char* op, json::object d, int rid) {
  ws->send(frame(op, std::move(d), rid));
  for (int i = 0; i < 1000; ++i) {
    auto f = ws->recv();
    if (!f) break;
    const auto& o = f->as_object();
    if (o.contains("rid") && o.at("rid") == json::value(rid)) return *f;
    backlog.push_back(std::move(*f));
  }
  throw std::runtime_error(std::string("no reply to ") + op);
}

std::optional<json::value> Player::next(std::chrono::milliseconds timeout) {
  if (!backlog.empty()) {
    auto f = std::move(backlog.front());
    backlog.pop_front();
    return f;
  }
  return ws->recv(timeout);
}

std::optional<json::value> Player::next(const std::string& op, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 1000; ++i) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto f = next(left);
    if (!f) return std::nullopt;
    if (f->as_object().at("op").as_string() == op) return f;
  }
  return std::nullopt;
}

std::optional<json::value> Player::next_where(const std::string& op, const char* key, const std::string& value,
                                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int i = 0; i < 1000; ++i) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto f = next(op, left);
    if (!f) return std::nullopt;
    const auto* v = f->as_object().at("d").as_object().if_contains(key);
    if (v != nullptr && v->is_string() && v->as_string() == value) return f;
  }
  return std::nullopt;
}

std::string metrics(std::uint16_t port) {
  return HttpClient(port).get("/metrics").body;
}

double metric(std::uint16_t port, const std::string& series) {
  const auto body = metrics(port);
  const auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return 0;
  return std::stod(body.substr(at + series.size() + 2));
}

}  // namespace arena::testing
