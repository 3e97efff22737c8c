#pragma once
// A blocking HTTP/1.1 client for tests: one keep-alive connection to 127.0.0.1:<port>.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace arena::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json() const;  // parsed body (throws if not JSON)
  std::string error_code() const;   // body's error.code, or "" when absent
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port);
  ~HttpClient();

  HttpResult request(const std::string& method, const std::string& target, const std::string& body = {},
                     std::vector<std::pair<std::string, std::string>> headers = {});
  HttpResult get(const std::string& target, const std::string& bearer = {});
  HttpResult post_json(const std::string& target, const std::string& body, const std::string& bearer = {});
  // Writes raw bytes on a fresh connection and reads one response (or nothing, status 0).
  HttpResult raw(const std::string& bytes);
  // Writes `head`, then up to `fill_bytes` of `fill` in pieces until the server answers (or
  // 20 s pass), and reads that answer: for requests that never end, such as an endless chunk
  // extension. Status 0 if nothing came back.
  HttpResult raw_stream(const std::string& head, char fill, std::size_t fill_bytes);
  bool connected() const;

  // A fresh connection written in parts (to make the server read a request in pieces).
  class Raw {
   public:
    explicit Raw(std::uint16_t port);
    ~Raw();
    void send(const std::string& bytes);
    HttpResult response();  // the next response, status 0 if none came within 10 s

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::testing
