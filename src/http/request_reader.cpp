#include "request_reader.hpp"

#include "arena/core/error.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <cctype>

namespace arena::http {
namespace beast = boost::beast;
namespace bhttp = beast::http;

namespace {

Method to_method(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get: return Method::get;
    case bhttp::verb::head: return Method::head;
    case bhttp::verb::post: return Method::post;
    case bhttp::verb::put: return Method::put;
    case bhttp::verb::patch: return Method::patch;
    case bhttp::verb::delete_: return Method::del;
    case bhttp::verb::options: return Method::options;
    default: return Method::other;
  }
}

Refusal bad_request(Code code, std::string_view message, std::string reason) {
  return {Response::error(code, message), std::move(reason)};
}

}  // namespace

std::size_t read_buffer_limit(const ReaderLimits& limits) {
  return limits.max_header_bytes + std::size_t{8} * 1024;
}

RequestReader::RequestReader(const ReaderLimits& limits) : limits_(limits) {
  parser_.header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_.body_limit(limits_.max_body_bytes);
  on_chunk_ = [this](std::uint64_t, std::string_view extensions, boost::system::error_code& ec) {
    if (extensions.size() > kMaxChunkExtensionBytes) {
      extension_too_long_ = true;
      ec = bhttp::error::bad_chunk_extension;
    }
  };
  parser_.on_chunk_header(on_chunk_);
}

std::optional<Refusal> RequestReader::check_header() {
  const auto& msg = parser_.get();
  header_fields_ = static_cast<std::size_t>(std::distance(msg.begin(), msg.end()));
  // Every Transfer-Encoding field, as one list of codings.
  std::vector<std::string> codings;
  for (const auto& f : msg) {
    if (f.name() != bhttp::field::transfer_encoding) continue;
    for (const auto& c : bhttp::token_list{f.value()}) codings.emplace_back(c);
    if (f.value().find_first_not_of(" \t,") == beast::string_view::npos) codings.emplace_back();  // empty field
  }
  if (codings.empty()) return std::nullopt;
  if (msg.version() < 11)
    return bad_request(Code::bad_transfer_encoding, "Transfer-Encoding is not allowed in HTTP/1.0", "bad_framing");
  if (!beast::iequals(codings.back(), "chunked"))
    return bad_request(Code::bad_transfer_encoding, "the last transfer coding must be chunked", "bad_framing");
  if (codings.size() > 1) {
    return Refusal{Response::error(Code::unsupported_transfer_coding, "only the chunked transfer coding is supported"),
                   "bad_framing"};
  }
  if (msg.find(bhttp::field::content_length) != msg.end())
    return bad_request(Code::bad_transfer_encoding, "Content-Length and Transfer-Encoding together", "bad_framing");
  return std::nullopt;
}

std::optional<Refusal> RequestReader::refusal_for(const boost::system::error_code& ec) const {
  if (ec == bhttp::error::header_limit)
    return Refusal{Response::error(Code::headers_too_large, "request headers are too large"), "header_too_large"};
  if (ec == bhttp::error::body_limit) {
    return Refusal{Response::error(Code::body_too_large,
                                   "request body exceeds " + std::to_string(limits_.max_body_bytes) + " bytes"),
                   "body_too_large"};
  }
  if (extension_too_long_) {
    return bad_request(Code::chunk_extension_too_large,
                       "a chunk extension is longer than " + std::to_string(kMaxChunkExtensionBytes) + " bytes",
                       "chunk_extension_too_large");
  }
  if (ec == bhttp::error::buffer_overflow) {
    return bad_request(Code::chunk_line_too_large, "a chunk-size line or the trailer section is too long",
                       "chunk_line_too_large");
  }
  const bool parse_error = ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                           ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
  if (parse_error) return bad_request(Code::bad_request, "malformed HTTP request", "malformed_http");
  return std::nullopt;  // end of stream, idle timeout, drain
}

Request RequestReader::take_request(std::string remote_ip) {
  auto& msg = parser_.get();
  Request req;
  req.method = to_method(msg.method());
  req.target = std::string(msg.target());
  const auto q = req.target.find('?');
  req.path = req.target.substr(0, q);
  if (q != std::string::npos) req.query = req.target.substr(q + 1);
  req.headers.reserve(std::min<std::size_t>(header_fields_, 16));
  std::size_t i = 0;
  for (const auto& field : msg) {
    if (i++ == header_fields_) break;  // the rest are trailer fields
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  req.body = std::move(msg.body());
  req.remote_ip = std::move(remote_ip);
  return req;
}

}  // namespace arena::http
