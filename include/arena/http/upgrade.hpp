#pragma once
// A connection handed over by the HTTP server after an accepted Upgrade request. This header
// brings in Beast: include it only where the upgraded protocol is implemented (the gateway).
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "arena/http/connection_slots.hpp"
#include "arena/http/message.hpp"

namespace arena::http {

struct Upgrade {
  boost::beast::tcp_stream stream;  // on its own strand
  boost::beast::http::request<boost::beast::http::string_body> request;
  boost::beast::flat_buffer buffer;  // bytes read past the request, if any
  Request info;                      // the parsed request, with the check's attachment
  IpSlot slot;                       // this connection's place under http.max_connections_per_ip
};

}  // namespace arena::http
