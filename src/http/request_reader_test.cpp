// RequestReader without sockets: bytes in, limits and framing checks applied as the server does.
#include "request_reader.hpp"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace arena::http {
namespace {

// Feeds `bytes` to the reader as one buffer; returns the error of the first put that failed.
boost::system::error_code feed(RequestReader& r, std::string_view bytes, bool& header_checked,
                               std::optional<Refusal>& refusal) {
  auto& p = r.parser();
  boost::system::error_code ec;
  while (!bytes.empty() && !p.is_done()) {
    const std::size_t n = p.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(n);
    if (ec) return ec;  // need_more (the input ran out) or a parse error
    if (p.is_header_done() && !header_checked) {
      header_checked = true;
      refusal = r.check_header();
      if (refusal) return {};
    }
  }
  if (!p.is_done()) p.put_eof(ec);
  return ec;
}

// Found by fuzzing (fuzz/corpus/http_request/beast_final_chunk_split): the last chunk read as
// "0\r\n", "\r", "\n" (each read handed to the parser with what was left before, as the
// server's read loop does) tripped an assertion in Beast that aborted the sanitizer build.
TEST(RequestReader, AFinalChunkArrivingInPiecesIsParsed) {
  RequestReader r({});
  auto& p = r.parser();
  std::string buf;
  boost::system::error_code ec;
  for (std::string_view part : {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "0\r\n", "\r", "\n"}) {
    buf += part;
    const std::size_t n = p.put(boost::asio::buffer(buf), ec);
    buf.erase(0, n);
    if (ec == boost::beast::http::error::need_more) ec = {};
    ASSERT_FALSE(ec) << ec.message();
    if (p.is_header_done() && !p.is_done()) {
      ASSERT_FALSE(r.check_header());
    }
  }
  EXPECT_TRUE(p.is_done());
  EXPECT_EQ(r.take_request("127.0.0.1").body, "");
}

TEST(RequestReader, TrailerFieldsNeverBecomeHeaders) {
  RequestReader r({});
  bool checked = false;
  std::optional<Refusal> refusal;
  auto ec = feed(r,
                 "POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "2\r\n{}\r\n0\r\nAuthorization: Bearer forged\r\nContent-Type: text/evil\r\n\r\n",
                 checked, refusal);
  ASSERT_FALSE(ec) << ec.message();
  ASSERT_FALSE(refusal);
  Request req = r.take_request("127.0.0.1");
  EXPECT_EQ(req.body, "{}");
  EXPECT_EQ(req.header("host"), "h");
  EXPECT_EQ(req.header("authorization"), "");
  EXPECT_EQ(req.header("content-type"), "");
}

TEST(RequestReader, FramingChecks) {
  struct Case {
    const char* te;
    int status;  // 0: accepted
  };
  for (const Case& c : {Case{"chunked", 0}, Case{" CHUNKED ", 0}, Case{"gzip", 400}, Case{"chunked, gzip", 400},
                        Case{"gzip, chunked", 501}, Case{"xchunked", 400}, Case{"identity", 400}}) {
    RequestReader r({});
    bool checked = false;
    std::optional<Refusal> refusal;
    feed(r, "GET / HTTP/1.1\r\nTransfer-Encoding: " + std::string(c.te) + "\r\n\r\n0\r\n\r\n", checked, refusal);
    ASSERT_TRUE(checked) << c.te;
    EXPECT_EQ(refusal ? refusal->response.status : 0, c.status) << c.te;
  }
}

TEST(RequestReader, LimitsMapToStableCodes) {
  RequestReader r({.max_header_bytes = 1024, .max_body_bytes = 16});
  bool checked = false;
  std::optional<Refusal> refusal;
  auto ec = feed(r, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n", checked, refusal);
  ASSERT_TRUE(ec);
  auto body = r.refusal_for(ec);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->response.status, 413);

  RequestReader e({});
  checked = false;
  ec = feed(e, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(300, 'x') + "\r\n", checked,
            refusal);
  ASSERT_TRUE(ec);
  auto ext = e.refusal_for(ec);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->response.status, 400);
  EXPECT_NE(ext->response.body.find("chunk_extension_too_large"), std::string::npos);

  RequestReader h({.max_header_bytes = 1024});
  checked = false;
  ec = feed(h, "GET / HTTP/1.1\r\nX: " + std::string(2000, 'h') + "\r\n\r\n", checked, refusal);
  auto hdr = h.refusal_for(ec);
  ASSERT_TRUE(hdr);
  EXPECT_EQ(hdr->response.status, 431);
}

}  // namespace
}  // namespace arena::http
