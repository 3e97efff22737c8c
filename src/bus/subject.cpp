#include <future>

#include "arena/bus/bus.hpp"

namespace arena::bus {
namespace {

template <class F>
bool each_token(std::string_view s, F&& f) {
  if (s.empty()) return false;
  std::size_t start = 0;
  for (;;) {
    const auto dot = s.find('.', start);
    const auto tok = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (tok.empty()) return false;
    const bool last = dot == std::string_view::npos;
    if (!f(tok, last)) return false;
    if (last) return true;
    start = dot + 1;
  }
}

bool plain_char(char c) {
  return static_cast<unsigned char>(c) > 0x20 && c != 0x7f && c != '*' && c != '>' && c != '.';
}

bool plain_token(std::string_view tok) {
  for (char c : tok)
    if (!plain_char(c)) return false;
  return true;
}

}  // namespace

std::string_view to_string(RequestError e) {
  switch (e) {
    case RequestError::none: return "ok";
    case RequestError::timeout: return "timeout";
    case RequestError::no_responders: return "no_responders";
    case RequestError::closed: return "closed";
  }
  return "unknown";
}

bool valid_subject(std::string_view subject) {
  return each_token(subject, [](std::string_view tok, bool) { return plain_token(tok); });
}

bool valid_pattern(std::string_view pattern) {
  return each_token(pattern, [](std::string_view tok, bool last) {
    if (tok == "*") return true;
    if (tok == ">") return last;
    return plain_token(tok);
  });
}

bool subject_matches(std::string_view pattern, std::string_view subject) {
  for (;;) {
    const auto pdot = pattern.find('.');
    const auto sdot = subject.find('.');
    const auto ptok = pattern.substr(0, pdot);
    const auto stok = subject.substr(0, sdot);
    if (ptok == ">") return !subject.empty();
    if (ptok != "*" && ptok != stok) return false;
    if (pdot == std::string_view::npos || sdot == std::string_view::npos)
      return pdot == std::string_view::npos && sdot == std::string_view::npos;
    pattern.remove_prefix(pdot + 1);
    subject.remove_prefix(sdot + 1);
  }
}

bool valid_token(std::string_view token) {
  if (token.empty() || token.size() > 128) return false;
  for (char c : token) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

Reply Bus::request_sync(std::string_view subject, std::string_view data, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<Reply>>();
  auto future = promise->get_future();
  request(subject, data, timeout, [promise](Reply r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace arena::bus
