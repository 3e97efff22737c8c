#pragma once
// How the server reads one HTTP/1.1 request, apart from the socket: the parser with every
// limit set, the framing checks made once the header is in (RFC 9112 §6), the mapping of a
// parse failure to the answer the client gets, and the conversion to a plain Request. The
// server's connection loop and the HTTP fuzz target (fuzz/http_request_fuzz.cpp) both use it,
// so what is fuzzed is what is served.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "arena/http/message.hpp"

namespace arena::http {

struct ReaderLimits {
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::size_t max_body_bytes = std::size_t{64} * 1024;
};

// A refusal: the response, and the reason label for http_rejected_total.
struct Refusal {
  Response response;
  std::string reason;
};

// Longest chunk extension accepted (`5;name=value`); longer ones are refused with 400.
inline constexpr std::size_t kMaxChunkExtensionBytes = 256;

// The most bytes a connection's read buffer may hold: a header at its limit plus room for a
// chunk-size line or a trailer section. A request that needs more is refused.
std::size_t read_buffer_limit(const ReaderLimits& limits);

class RequestReader {
 public:
  using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  explicit RequestReader(const ReaderLimits& limits);
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  Parser& parser() { return parser_; }

  // After the header is parsed: a refusal for framing that cannot be trusted (a
  // Transfer-Encoding whose last coding is not chunked, codings other than chunked,
  // Transfer-Encoding in HTTP/1.0), or nullopt. The connection is closed after a refusal.
  std::optional<Refusal> check_header();

  // What to answer for a failed read (header or body); nullopt when nothing is owed (the
  // peer left, the idle timer fired, the server is draining).
  std::optional<Refusal> refusal_for(const boost::system::error_code& ec) const;

  // The parsed request as handlers see it. Trailer fields are dropped: they arrive after the
  // header was checked and routed, so they never stand in for header fields.
  Request take_request(std::string remote_ip);

  // The message itself (for Beast's WebSocket handshake), valid until take_request.
  Parser::value_type& message() { return parser_.get(); }

 private:
  ReaderLimits limits_;
  Parser parser_;
  std::size_t header_fields_ = SIZE_MAX;  // fields before any trailer, known after check_header()
  bool extension_too_long_ = false;
  // Beast keeps a reference to the callback: it lives as long as the parser.
  std::function<void(std::uint64_t, std::string_view, boost::system::error_code&)> on_chunk_;
};

}  // namespace arena::http
