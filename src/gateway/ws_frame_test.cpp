#include "ws_frame.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace arena::gateway::ws {
namespace {

// A client frame as a browser sends it: masked with `key`.
std::string client_frame(unsigned first_byte, std::string_view payload, bool mask = true,
                         std::uint32_t key = 0x37FA213D) {
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  const std::size_t n = payload.size();
  const unsigned m = mask ? 0x80 : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(m | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(m | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(m | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xFF));
  }
  unsigned char k[4] = {static_cast<unsigned char>(key >> 24), static_cast<unsigned char>(key >> 16),
                        static_cast<unsigned char>(key >> 8), static_cast<unsigned char>(key)};
  if (mask) out.append(reinterpret_cast<const char*>(k), 4);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(mask ? static_cast<char>(static_cast<unsigned char>(payload[i]) ^ k[i % 4]) : payload[i]);
  return out;
}

std::string text(std::string_view s) {
  return client_frame(0x81, s);
}

struct Parsed {
  std::vector<Reader::Event> events;
  std::vector<std::string> payloads;  // copied: events point into buffers
  std::size_t used = 0;
};

Parsed parse_all(Reader& r, std::string& buf) {
  Parsed out;
  for (;;) {
    auto e = r.next(buf.data(), buf.size(), out.used);
    if (e.kind == Reader::Kind::need_more) break;
    out.payloads.emplace_back(e.payload);
    out.events.push_back(e);
    if (e.kind == Reader::Kind::error) break;
  }
  return out;
}

TEST(WsFrame, ParsesSeveralMaskedFramesFromOneBuffer) {
  Reader r(1 << 16);
  const std::string long_text(70'000 - 1000, 'x');
  std::string buf = text("{\"op\":\"ping\"}") + text("") + text(std::string(300, 'a')) + text(long_text);
  auto p = parse_all(r, buf);
  ASSERT_EQ(p.events.size(), 4u);  // the 69 KB one is over the 64 KiB limit
  EXPECT_EQ(p.events[3].kind, Reader::Kind::error);
  EXPECT_EQ(p.events[3].code, kTooBig);
  EXPECT_EQ(p.payloads[0], "{\"op\":\"ping\"}");
  EXPECT_EQ(p.payloads[1], "");
  EXPECT_EQ(p.payloads[2], std::string(300, 'a'));
  Reader big(1 << 17);
  std::string buf2 = text(long_text);
  auto q = parse_all(big, buf2);
  ASSERT_EQ(q.events.size(), 1u);
  EXPECT_EQ(q.events[0].kind, Reader::Kind::text);
  EXPECT_EQ(q.payloads[0], long_text);
  EXPECT_EQ(q.used, buf2.size());
}

TEST(WsFrame, WaitsForTheRestOfAFrameByteByByte) {
  Reader r(1024);
  const std::string frame = text("hello, arena") + client_frame(0x89, "p");
  std::string buf;
  std::size_t used = 0;
  std::vector<std::string> got;
  for (char ch : frame) {
    buf.push_back(ch);
    for (;;) {
      auto e = r.next(buf.data(), buf.size(), used);
      if (e.kind == Reader::Kind::need_more) break;
      got.emplace_back(e.payload);
    }
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "hello, arena");
  EXPECT_EQ(got[1], "p");
  EXPECT_EQ(used, frame.size());
}

TEST(WsFrame, ReassemblesFragmentsWithControlFramesBetween) {
  Reader r(1024);
  std::string buf = client_frame(0x01, "{\"op\":") + client_frame(0x89, "mid") + client_frame(0x00, "\"ping\"") +
                    client_frame(0x80, "}");
  auto p = parse_all(r, buf);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].kind, Reader::Kind::ping);
  EXPECT_EQ(p.payloads[0], "mid");
  EXPECT_EQ(p.events[1].kind, Reader::Kind::text);
  EXPECT_EQ(p.payloads[1], "{\"op\":\"ping\"}");
}

TEST(WsFrame, RefusesAnOversizeMessageFromItsHeader) {
  Reader r(100);
  // Only the header of a 1 MB frame has arrived: refused without waiting for the payload.
  std::string buf = client_frame(0x81, std::string(1'000'000, 'z')).substr(0, 14);
  auto p = parse_all(r, buf);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].kind, Reader::Kind::error);
  EXPECT_EQ(p.events[0].code, kTooBig);
  // Fragments that add up to too much are refused too.
  Reader f(100);
  std::string frags = client_frame(0x01, std::string(60, 'a')) + client_frame(0x80, std::string(60, 'b'));
  auto q = parse_all(f, frags);
  ASSERT_EQ(q.events.size(), 1u);
  EXPECT_EQ(q.events[0].code, kTooBig);
}

TEST(WsFrame, ProtocolErrorsGetTheirCloseCodes) {
  struct Case {
    std::string bytes;
    std::uint16_t code;
  };
  const std::vector<Case> cases = {
      {client_frame(0x81, "x", /*mask=*/false), kProtocolError},
      {client_frame(0xC1, "x"), kProtocolError},                    // RSV1 without an extension
      {client_frame(0x83, "x"), kProtocolError},                    // reserved data opcode
      {client_frame(0x8B, "x"), kProtocolError},                    // reserved control opcode
      {client_frame(0x09, "x"), kProtocolError},                    // fragmented ping
      {client_frame(0x89, std::string(126, 'p')), kProtocolError},  // control frame too long
      {client_frame(0x80, "x"), kProtocolError},                    // continuation with nothing to continue
      {client_frame(0x01, "a") + client_frame(0x81, "b"), kProtocolError},
      {client_frame(0x88, "\x03"), kProtocolError},                      // 1-byte close payload
      {client_frame(0x88, std::string("\x03\xED", 2)), kProtocolError},  // close code 1005 may not be sent
      {client_frame(0x88, std::string("\x03\xE8\xC3\x28", 4)), kInvalidPayload},
      {text("\xC3\x28"), kInvalidPayload},
      {text("\xED\xA0\x80"), kInvalidPayload},  // a UTF-16 surrogate
      {client_frame(0x01, "\xE2\x82") + client_frame(0x80, "\xAC\xFF"), kInvalidPayload},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Reader r(1024);
    std::string buf = cases[i].bytes;
    auto p = parse_all(r, buf);
    ASSERT_FALSE(p.events.empty()) << "case " << i;
    EXPECT_EQ(p.events.back().kind, Reader::Kind::error) << "case " << i;
    EXPECT_EQ(p.events.back().code, cases[i].code) << "case " << i;
  }
}

TEST(WsFrame, NonMinimalLengthsAreRefused) {
  Reader r(1 << 20);
  std::string buf = {static_cast<char>(0x81), static_cast<char>(0x80 | 126), 0, 5, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'};
  auto p = parse_all(r, buf);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].code, kProtocolError);
}

TEST(WsFrame, ReadsCloseFrames) {
  Reader r(1024);
  std::string buf = client_frame(0x88, std::string("\x0F\xA1") + "bye \xE2\x82\xAC") + client_frame(0x88, "");
  auto p = parse_all(r, buf);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].kind, Reader::Kind::close);
  EXPECT_EQ(p.events[0].code, 4001);
  EXPECT_EQ(p.payloads[0], "bye \xE2\x82\xAC");
  EXPECT_EQ(p.events[1].code, kNoStatus);
}

TEST(WsFrame, WritesHeadersOfEachLengthClass) {
  char h[kMaxHeader];
  EXPECT_EQ(write_header(h, Opcode::text, 125), 2u);
  EXPECT_EQ(static_cast<unsigned char>(h[0]), 0x81);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 125);
  EXPECT_EQ(write_header(h, Opcode::text, 126), 4u);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 126);
  EXPECT_EQ(static_cast<unsigned char>(h[2]), 0);
  EXPECT_EQ(static_cast<unsigned char>(h[3]), 126);
  EXPECT_EQ(write_header(h, Opcode::binary, 65536), 10u);
  EXPECT_EQ(static_cast<unsigned char>(h[0]), 0x82);
  EXPECT_EQ(static_cast<unsigned char>(h[1]), 127);
  EXPECT_EQ(static_cast<unsigned char>(h[7]), 1);  // 0x0000000000010000
  EXPECT_EQ(static_cast<unsigned char>(h[9]), 0);
}

TEST(WsFrame, CloseFrameCutsTheReasonOnACharacterBoundary) {
  std::string reason;
  for (int i = 0; i < 60; ++i) reason += "\xC3\xA9";  // 120 bytes of 'é'
  reason += "\xE2\x82\xAC\xE2\x82\xAC";               // 126 bytes: over the 123 a reason may have
  const auto f = close_frame(4008, reason);
  ASSERT_LE(f.size(), 2u + 125u);
  EXPECT_EQ(static_cast<unsigned char>(f[2]), 4008 >> 8);
  EXPECT_EQ(static_cast<unsigned char>(f[3]), 4008 & 0xFF);
  EXPECT_TRUE(valid_utf8(std::string_view(f).substr(4)));
  EXPECT_EQ(f.size() - 4, 123u);  // 120 + one whole euro sign
}

TEST(WsFrame, Utf8Validation) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(valid_utf8("\xF0\x9F\x8E\xAE game \xE2\x82\xAC \xC3\xA9"));
  EXPECT_TRUE(valid_utf8("\xF4\x8F\xBF\xBF"));   // U+10FFFF
  EXPECT_FALSE(valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(valid_utf8("\xF0\x80\x80\xAF"));  // overlong
  EXPECT_FALSE(valid_utf8("abc\xE2\x82"));       // cut short
  EXPECT_FALSE(valid_utf8("\x80"));
  EXPECT_FALSE(valid_utf8("\xFF"));
}

// Random bytes and mutated valid frames: the reader either parses, asks for more, or refuses
// with a close code; it never reads past the buffer (ASan) or hangs (bounded loop).
TEST(WsFrame, RandomAndMutatedInputNeverBreaksTheReader) {
  std::mt19937 rng(20261121);
  const std::string valid = text("{\"op\":\"ping\",\"rid\":1}") + client_frame(0x89, "hb") +
                            client_frame(0x01, "{\"op\":") + client_frame(0x80, "\"x\"}") +
                            client_frame(0x88, "\x03\xE8");
  for (int round = 0; round < 20'000; ++round) {
    std::string buf;
    if (round % 2 == 0) {
      buf.resize(rng() % 64);
      for (auto& c : buf) c = static_cast<char>(rng());
    } else {
      buf = valid;
      for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) buf[rng() % buf.size()] = static_cast<char>(rng());
      buf.resize(rng() % (buf.size() + 1));
    }
    Reader r(256);
    std::size_t used = 0;
    for (int step = 0; step < 64; ++step) {
      const auto e = r.next(buf.data(), buf.size(), used);
      ASSERT_LE(used, buf.size());
      if (e.kind == Reader::Kind::need_more || e.kind == Reader::Kind::error) break;
      if (e.kind == Reader::Kind::text) {
        EXPECT_TRUE(valid_utf8(e.payload));
      }
    }
  }
}

}  // namespace
}  // namespace arena::gateway::ws
