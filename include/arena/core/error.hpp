#pragma once
// The one error type that crosses the edge to a client: an HTTP status, a stable machine code
// (documented in docs/protocol.md) and a message meant for the client. Text meant for logs
// never goes in here.
#include <stdexcept>
#include <string>
#include <string_view>

namespace arena {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}

  int status() const { return status_; }
  const std::string& code() const { return code_; }
  std::string_view message() const { return what(); }
  // Seconds for a Retry-After header (429/503); 0 when not applicable.
  int retry_after() const { return retry_after_; }
  ApiError& with_retry_after(int seconds) {
    retry_after_ = seconds;
    return *this;
  }

  static ApiError bad_request(std::string code, const std::string& message) { return {400, std::move(code), message}; }
  static ApiError unauthorized(std::string code, const std::string& message) { return {401, std::move(code), message}; }

 private:
  int status_;
  std::string code_;
  int retry_after_ = 0;
};

}  // namespace arena
