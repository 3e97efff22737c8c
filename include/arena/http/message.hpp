#pragma once
// Plain request/response types that handlers see. Deliberately free of Beast so that modules
// with HTTP handlers compile fast; only src/http/server.cpp touches Beast.
#include <any>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace arena {
class Error;
enum class Code : std::uint8_t;
}  // namespace arena

namespace arena::http {

enum class Method { get, head, post, put, patch, del, options, other };
std::string_view to_string(Method m);

struct Request {
  Method method = Method::get;
  std::string target;  // as sent: path and query
  std::string path;    // decoded of nothing; routes match it literally
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::vector<std::pair<std::string, std::string>> params;   // {name} path segments
  std::string body;
  std::string remote_ip;
  std::string request_id;
  std::any attachment;  // set by an UpgradeCheck for its UpgradeAccept

  // First header with this (lower-case) name, or empty.
  std::string_view header(std::string_view lower_name) const;
  std::string_view param(std::string_view name) const;
  // The token of an `Authorization: Bearer <token>` header, or empty.
  std::string_view bearer_token() const;
  // The value of `name` in the query string (percent-decoded), or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response json(int status, std::string body) { return {status, "application/json", std::move(body), {}}; }
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8") {
    return {status, std::move(content_type), std::move(body), {}};
  }
  static Response no_content() { return {204, {}, {}, {}}; }
  // {"error":{"code":..,"message":..}} with the code's status (and Retry-After if set).
  static Response error(const Error& e);
  static Response error(Code code, std::string_view message);
};

// The HTTP status of an error code: the one place that ties codes to HTTP (src/http/status.cpp).
int status_of(Code code);

}  // namespace arena::http
