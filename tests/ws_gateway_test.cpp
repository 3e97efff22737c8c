// The WebSocket gateway over real sockets: upgrade auth, envelope errors, limits, channels,
// DMs, slow consumers, resume, second-connection policy, token expiry, drain.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "arena/gateway/gateway.hpp"
#include "arena/testing/http_client.hpp"
#include "arena/testing/markdown.hpp"
#include "arena/testing/player.hpp"
#include "arena/testing/test_server.hpp"
#include "arena/testing/ws_client.hpp"

namespace arena {
namespace {

using namespace std::chrono_literals;
using testing::frame;
using testing::guest;
using testing::HttpClient;
using testing::Login;
using testing::metric;
using testing::metrics;
using testing::Player;
using testing::str;
using testing::TestServer;
using testing::WsClient;
using testing::WsOptions;
namespace json = boost::json;

TEST(Gateway, UpgradeRefusesBadTokensAndPlainGets) {
  TestServer server;
  auto none = testing::ws_refused(server.port(), {});
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.body.find("\"unauthorized\""), std::string::npos) << none.body;
  auto bad = testing::ws_refused(server.port(), {.token = "not.a.jwt"});
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(bad.body.find("token_"), std::string::npos) << bad.body;
  auto plain = HttpClient(server.port()).get("/v1/ws");
  EXPECT_EQ(plain.status, 426);
  EXPECT_EQ(plain.error_code(), "upgrade_required");
  auto badsid = testing::ws_refused(server.port(), {.token = guest(server.port()).token, .query = "sid=zzz"});
  EXPECT_EQ(badsid.status, 400);
}

TEST(Gateway, WelcomesPingsAndEchoesRequestIds) {
  TestServer server;
  Player p(server.port(), guest(server.port()));
  EXPECT_EQ(str(p.welcome, {"d", "user_id"}), p.login.user_id);
  EXPECT_FALSE(p.welcome.at("d").at("resumed").as_bool());
  auto pong = p.request("ping", {}, 7);
  EXPECT_EQ(str(pong, {"op"}), "pong");
  EXPECT_GT(pong.at("d").at("server_time").as_int64(), 0);
  p.ws->send(frame("ping", {}, "req-abc"));
  auto f = p.ws->recv();
  ASSERT_TRUE(f);
  EXPECT_EQ(str(*f, {"rid"}), "req-abc");
}

TEST(Gateway, BrowserStyleSubprotocolAuthentication) {
  TestServer server;
  WsClient ws(server.port(), {.token = guest(server.port()).token, .via_subprotocol = true});
  EXPECT_EQ(ws.selected_subprotocol(), "arena.v1");
  EXPECT_TRUE(ws.recv_op("session.welcome"));
}

TEST(Gateway, BadFramesGetErrorsAndTheConnectionSurvives) {
  TestServer server;
  Player p(server.port(), guest(server.port()));
  struct Case {
    std::string text;
    const char* code;
  };
  for (const auto& c :
       std::vector<Case>{{"{nope", "malformed_json"},
                         {"[1,2]", "invalid_envelope"},
                         {R"({"rid":1})", "invalid_envelope"},
                         {R"({"op":"x","rid":[1]})", "invalid_envelope"},
                         {R"({"op":"ping","d":5})", "invalid_envelope"},
                         {R"({"op":"warp.drive","rid":3})", "unknown_op"},
                         {R"({"op":"channel.join","rid":4,"d":{}})", "missing_field"},
                         {R"({"op":"channel.join","rid":5,"d":{"channel":"a.b"}})", "invalid_field"},
                         {R"({"op":"channel.send","rid":6,"d":{"channel":"x","body":"hi"}})", "not_in_channel"},
                         {std::string(200, '[') + std::string(200, ']'), "malformed_json"}}) {
    p.ws->send_text(c.text);
    auto f = p.ws->recv();
    ASSERT_TRUE(f) << c.text;
    EXPECT_EQ(str(*f, {"op"}), "error") << c.text;
    EXPECT_EQ(str(*f, {"d", "code"}), c.code) << c.text.substr(0, 60);
  }
  p.ws->send_binary("\x01\x02");
  auto bin = p.ws->recv();
  ASSERT_TRUE(bin);
  EXPECT_EQ(str(*bin, {"d", "code"}), "unsupported_frame");
  EXPECT_EQ(str(p.request("ping", {}, 99), {"op"}), "pong");
}

TEST(Gateway, OversizeFrameClosesWith1009) {
  // Refused from the frame header: the server answers with 1009 while the client is still
  // sending, and drains the rest, so the close frame is not lost to a reset.
  TestServer server([](config::Settings& s) { s.gateway.max_frame_bytes = 256; });
  Player p(server.port(), guest(server.port()));
  p.ws->send_text(R"({"op":"ping","d":{"pad":")" + std::string(200'000, 'x') + "\"}}");
  EXPECT_EQ(p.ws->wait_closed(), 1009);
  EXPECT_EQ(metric(server.port(), "gateway_closes_total{code=\"1009\"}"), 1);
}

// A client frame with `first` (FIN/opcode byte), masked unless told otherwise.
std::string raw_frame(unsigned first, const std::string& payload, bool mask = true) {
  std::string out{static_cast<char>(first), static_cast<char>((mask ? 0x80 : 0) | payload.size())};
  const char key[4] = {0x12, 0x34, 0x56, 0x78};
  if (mask) out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  return out;
}

TEST(Gateway, FragmentsAndControlFramesFromClients) {
  TestServer server;
  Player p(server.port(), guest(server.port()));
  // A message in three fragments, with a ping between two of them: one reply, one pong.
  p.ws->send_raw(raw_frame(0x01, R"({"op":"pi)") + raw_frame(0x89, "hb") + raw_frame(0x00, R"(ng","rid":)") +
                 raw_frame(0x80, "7}"));
  auto f = p.ws->recv();
  ASSERT_TRUE(f);
  EXPECT_EQ(str(*f, {"op"}), "pong");
  EXPECT_EQ(f->at("rid"), json::value(7));
  EXPECT_EQ(p.ws->pongs_heard(), 1);
  // The same through the client library's own fragmentation, and its own ping.
  p.ws->ping("x");
  ASSERT_TRUE(p.ws->send_fragmented({R"({"op":"ping",)", R"("rid":8})"}));
  f = p.ws->recv();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->at("rid"), json::value(8));
  EXPECT_EQ(p.ws->pongs_heard(), 2);
}

TEST(Gateway, ProtocolViolationsCloseWithTheirCodes) {
  TestServer server;
  struct Case {
    std::string bytes;
    int code;
  };
  const std::vector<Case> cases = {
      {raw_frame(0x81, R"({"op":"ping"})", /*mask=*/false), 1002},  // clients must mask
      {raw_frame(0x83, "x"), 1002},                                 // reserved opcode
      {raw_frame(0x80, "x"), 1002},                                 // continuation of nothing
      {raw_frame(0x81, "\xC3\x28"), 1007},                          // text that is not UTF-8
      {raw_frame(0x88, "\x03"), 1002},                              // a 1-byte close payload
  };
  for (const auto& c : cases) {
    Player p(server.port(), guest(server.port()));
    p.ws->send_raw(c.bytes);
    EXPECT_EQ(p.ws->wait_closed(), c.code);
  }
  // A close from the client is answered with its own code.
  Player p(server.port(), guest(server.port()));
  p.ws->send_raw(raw_frame(0x88, std::string("\x0B\xB8", 2) + "bye"));  // 3000
  EXPECT_EQ(p.ws->wait_closed(), 3000);
  // The server counts a connection closed once its socket is gone, just after the close frame.
  double open = 1;
  for (int i = 0; i < 200 && open != 0; ++i) {
    open = metric(server.port(), "gateway_connections_open");
    if (open != 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(open, 0);
}

TEST(Gateway, QuietConnectionsArePingedAndDeadOnesDropped) {
  TestServer server([](config::Settings& s) { s.gateway.idle_timeout = 800ms; });
  Player alive(server.port(), guest(server.port()));
  Player dead(server.port(), guest(server.port()));
  // `alive` keeps reading, so its client library answers the server's pings; `dead` reads nothing.
  // (One long read: the client library cannot resume a read it cancelled.)
  EXPECT_FALSE(alive.ws->recv(2500ms));
  EXPECT_GE(alive.ws->pings_heard(), 2);
  EXPECT_EQ(dead.ws->wait_closed(), 0);  // dropped without a close frame: it was not listening
  EXPECT_EQ(metric(server.port(), "gateway_closes_total{code=\"idle\"}"), 1);
  EXPECT_EQ(metric(server.port(), "gateway_connections_open"), 1);
}

TEST(Gateway, RateLimitWarnsThenCloses) {
  TestServer server([](config::Settings& s) {
    s.gateway.messages_per_second = 1;
    s.gateway.message_burst = 3;
  });
  Player p(server.port(), guest(server.port()));
  for (int i = 0; i < 4; ++i) p.ws->send(frame("ping", {}, i));
  int pongs = 0, limited = 0;
  for (int i = 0; i < 4; ++i) {
    auto f = p.ws->recv();
    ASSERT_TRUE(f);
    if (str(*f, {"op"}) == "pong") ++pongs;
    if (str(*f, {"op"}) == "error" && str(*f, {"d", "code"}) == "rate_limited") ++limited;
  }
  EXPECT_EQ(pongs, 3);
  EXPECT_EQ(limited, 1);
  for (int i = 0; i < 10; ++i) p.ws->send(frame("ping", {}, 100 + i));
  EXPECT_EQ(p.ws->wait_closed(), 1008);
}

TEST(Gateway, ChannelsAndDirectMessages) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  auto ja = a.request("channel.join", {{"channel", "lobby"}}, 1);
  EXPECT_EQ(str(ja, {"op"}), "channel.join");
  auto jb = b.request("channel.join", {{"channel", "lobby"}}, 1);
  EXPECT_EQ(jb.at("d").at("members").as_array().size(), 2u);
  auto joined = a.next("channel.joined");
  if (joined && str(*joined, {"d", "user_id"}) == a.login.user_id) joined = a.next("channel.joined");
  ASSERT_TRUE(joined);
  EXPECT_EQ(str(*joined, {"d", "user_id"}), b.login.user_id);
  EXPECT_GT(joined->at("seq").as_int64(), 0);

  EXPECT_EQ(str(a.request("channel.send", {{"channel", "lobby"}, {"body", "hello 🎮"}}, 2), {"op"}), "channel.send");
  for (Player* p : {&a, &b}) {
    auto m = p->next("channel.message");
    ASSERT_TRUE(m);
    EXPECT_EQ(str(*m, {"d", "body"}), "hello 🎮");
    EXPECT_EQ(str(*m, {"d", "from"}), a.login.user_id);
    EXPECT_EQ(str(*m, {"d", "channel"}), "lobby");
  }
  auto members = a.request("channel.members", {{"channel", "lobby"}}, 3);
  EXPECT_EQ(members.at("d").at("members").as_array().size(), 2u);

  EXPECT_EQ(str(a.request("dm.send", {{"to", b.login.user_id}, {"body", "psst"}}, 4), {"op"}), "dm.send");
  auto dm = b.next("dm.message");
  ASSERT_TRUE(dm);
  EXPECT_EQ(str(*dm, {"d", "from"}), a.login.user_id);
  EXPECT_EQ(str(*dm, {"d", "body"}), "psst");

  auto presence = a.request("presence.query", {{"users", json::array{json::value(b.login.user_id), "nobody"}}}, 5);
  EXPECT_TRUE(presence.at("d").at("users").at(b.login.user_id).at("online").as_bool());
  EXPECT_FALSE(presence.at("d").at("users").at("nobody").at("online").as_bool());
  auto offline = a.request("dm.send", {{"to", "nobody"}, {"body", "hello?"}}, 6);
  EXPECT_EQ(str(offline, {"d", "code"}), "user_offline");

  EXPECT_EQ(str(b.request("channel.leave", {{"channel", "lobby"}}, 7), {"op"}), "channel.leave");
  auto left = a.next("channel.left");
  ASSERT_TRUE(left);
  EXPECT_EQ(str(*left, {"d", "user_id"}), b.login.user_id);
  auto not_member = b.request("channel.send", {{"channel", "lobby"}, {"body", "x"}}, 8);
  EXPECT_EQ(str(not_member, {"d", "code"}), "not_in_channel");
}

// Found by fuzzing (fuzz/corpus/bus/truncated_push): a push from the bus was passed to clients
// as it came, so a truncated or forged one reached them as a frame that is not JSON. It is
// checked once per bus message now, dropped and counted.
TEST(Gateway, AMalformedPushFromTheBusNeverReachesClients) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  const std::string subject = "route.user." + a.login.user_id;
  const std::string id = "0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b";  // kind, message id, body
  for (const std::string& bad : {"P" + id + "{\"op\":\"dm.messa", "P" + id + "\"op\":\"x\"}", "P" + id + "not json}",
                                 "P" + id + "\"d\":{}}", std::string("P"), "P" + id + "\"op\":1,\"d\":{}}",
                                 std::string("P\"op\":\"x\",\"d\":{}}")})  // the last one has no id
    server.app().bus().publish(subject, bad);
  server.app().bus().publish(subject, "P" + id + R"("op":"dm.message","d":{"from":"x","body":"ok"}})");
  auto f = a.next();
  ASSERT_TRUE(f);
  EXPECT_EQ(str(*f, {"op"}), "dm.message");
  EXPECT_EQ(f->at("seq").as_int64(), 1);  // the bad ones took no seq either
  EXPECT_EQ(metric(server.port(), "gateway_bad_bus_messages_total"), 7);
}

TEST(Gateway, PushSequenceNumbersIncreaseByOne) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  a.request("channel.join", {{"channel", "count"}}, 1);
  for (int i = 0; i < 20; ++i) a.request("channel.send", {{"channel", "count"}, {"body", std::to_string(i)}}, 10 + i);
  std::int64_t prev = 0;
  int seen = 0;
  while (seen < 20) {
    auto f = a.next();
    ASSERT_TRUE(f);
    if (!f->as_object().contains("seq")) continue;
    const auto seq = f->at("seq").as_int64();
    if (prev != 0) {
      EXPECT_EQ(seq, prev + 1);
    }
    prev = seq;
    if (str(*f, {"op"}) == "channel.message") {
      EXPECT_EQ(str(*f, {"d", "body"}), std::to_string(seen));
      ++seen;
    }
  }
}

// gateway.write_delay: pushes that reach a connection within the delay share one socket write,
// in order and each with its own seq; a reply produced while reading the client's frame is not held.
TEST(Gateway, AWriteDelayPutsThePushesThatComeMeanwhileInOneWrite) {
  TestServer server([](config::Settings& s) { s.gateway.write_delay = std::chrono::milliseconds(250); });
  Player a(server.port(), guest(server.port()));
  EXPECT_EQ(str(a.request("ping", {}, 1), {"op"}), "pong");
  const double writes = metric(server.port(), "gateway_writes_total");
  const double frames = metric(server.port(), "gateway_frames_out_total");
  const std::string subject = "route.user." + a.login.user_id;
  const std::string id = "0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0";
  for (int i = 0; i < 3; ++i)
    server.app().bus().publish(subject, "P" + id + std::to_string(i) + R"("op":"dm.message","d":{"from":"x","body":")" +
                                            std::to_string(i) + R"("}})");
  for (int i = 0; i < 3; ++i) {
    auto f = a.next("dm.message");
    ASSERT_TRUE(f);
    EXPECT_EQ(str(*f, {"d", "body"}), std::to_string(i));
    EXPECT_EQ(f->at("seq").as_int64(), i + 1);
  }
  EXPECT_EQ(metric(server.port(), "gateway_frames_out_total") - frames, 3);
  EXPECT_EQ(metric(server.port(), "gateway_writes_total") - writes, 1);
}

// A close (here a logout's 4004) does not drop what was sent before it and waits in the delay.
TEST(Gateway, AWriteDelayNeverDropsWhatWasSentBeforeAClose) {
  TestServer server([](config::Settings& s) { s.gateway.write_delay = std::chrono::milliseconds(250); });
  const Login u = guest(server.port());
  Player a(server.port(), u);
  server.app().bus().publish(
      "route.user." + u.user_id,
      R"(P0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"op":"dm.message","d":{"from":"x","body":"last"}})");
  EXPECT_EQ(HttpClient(server.port()).post_json("/v1/auth/logout", "", u.token).status, 204);
  auto f = a.next("dm.message");
  ASSERT_TRUE(f);
  EXPECT_EQ(str(*f, {"d", "body"}), "last");
  EXPECT_EQ(a.ws->wait_closed(), 4004);
}

// Small send queues and no message rate limit: one client floods a channel another reads slowly.
void flood(config::Settings& s) {
  s.gateway.send_queue_messages = 64;
  s.gateway.send_queue_bytes = 256 * 1024;
  s.gateway.messages_per_second = 100000;
  s.gateway.message_burst = 100000;
  s.gateway.max_body_chars = 60000;
}

TEST(Gateway, ASlowConsumerIsDroppedWhileOthersKeepReceiving) {
  TestServer server(flood);
  Player slow(server.port(), guest(server.port()), {.receive_buffer_bytes = 4096});
  Player fast(server.port(), guest(server.port()));
  slow.request("channel.join", {{"channel", "flood"}}, 1);
  fast.request("channel.join", {{"channel", "flood"}}, 1);
  const std::string body(50'000, 'z');
  constexpr int kMessages = 300;  // ~15 MB: more than socket buffers plus the queue bound
  int received = 0;
  for (int i = 0; i < kMessages; ++i) {
    fast.ws->send(frame("channel.send", {{"channel", "flood"}, {"body", body}}, i));
    // The fast client keeps reading its own copies and acks as it goes.
    while (received < i) {
      auto f = fast.next();
      ASSERT_TRUE(f) << "fast client stalled at " << received;
      if (str(*f, {"op"}) == "channel.message") ++received;
    }
  }
  while (received < kMessages) {
    auto f = fast.next();
    ASSERT_TRUE(f);
    if (str(*f, {"op"}) == "channel.message") ++received;
  }
  EXPECT_EQ(received, kMessages);
  // The slow one was cut off: its stream ends (with 4008 if the close frame got through).
  auto code = slow.ws->wait_closed(30s);
  ASSERT_TRUE(code.has_value());
  if (*code != 0) {
    EXPECT_EQ(*code, 4008);
  }
  EXPECT_NE(metrics(server.port()).find("gateway_closes_total{code=\"4008\"} 1"), std::string::npos);
}

// Hardening (issue 9, defect 2): a client that stops reading but keeps sending (pings here)
// is closed once its queue overflows, within gateway.close_timeout, and its session ends. The
// 4008 close used to wait for the socket to drain, which never happened.
TEST(Gateway, AClientThatNeverReadsIsCutOffAndItsSessionEnds) {
  TestServer server([](config::Settings& s) {
    flood(s);
    s.gateway.resume_window = 0ms;  // a closed connection ends its session at once
    s.gateway.close_timeout = 500ms;
  });
  Player slow(server.port(), guest(server.port()), {.receive_buffer_bytes = 4096});
  Player fast(server.port(), guest(server.port()));
  slow.request("channel.join", {{"channel", "flood"}}, 1);
  fast.request("channel.join", {{"channel", "flood"}}, 1);
  const std::string body(50'000, 'z');
  int received = 0;
  for (int i = 0; i < 300 && metric(server.port(), "gateway_closes_total{code=\"4008\"}") == 0; ++i) {
    fast.ws->send(frame("channel.send", {{"channel", "flood"}, {"body", body}}, i));
    slow.ws->ping("still here");  // the slow client keeps talking, and never reads
    while (received <= i) {
      auto f = fast.next();
      ASSERT_TRUE(f) << "fast client stalled at " << received;
      if (str(*f, {"op"}) == "channel.message") ++received;
    }
  }
  ASSERT_EQ(metric(server.port(), "gateway_closes_total{code=\"4008\"}"), 1);
  // Without reading a byte, the slow client goes offline: bounded wait, pinging all along.
  bool offline = false;
  for (int i = 0; i < 100 && !offline; ++i) {
    slow.ws->ping("still here");
    auto r = fast.request("presence.query", {{"users", json::array{json::value(slow.login.user_id)}}}, 1000 + i);
    offline = !r.at("d").at("users").at(slow.login.user_id).at("online").as_bool();
    if (!offline) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(offline) << "the slow client is still online";
  EXPECT_EQ(metric(server.port(), "gateway_connections_open"), 1);
}

// Hardening (issue 9): a user's sessions on a gateway are capped; a resumable one makes room.
TEST(Gateway, SessionsPerUserAreCapped) {
  TestServer server([](config::Settings& s) { s.gateway.max_sessions_per_user = 2; });
  const Login login = guest(server.port());
  Player one(server.port(), login);
  Player two(server.port(), login);
  auto refused = testing::ws_refused(server.port(), {.token = login.token});
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(refused.body.find("too_many_sessions"), std::string::npos) << refused.body;
  auto one_connection_left = [&] {  // bounded poll: the server has seen a dropped socket go
    for (int i = 0; i < 200 && metric(server.port(), "gateway_connections_open") != 1; ++i)
      std::this_thread::sleep_for(10ms);
  };
  // A resume of a held session is not a new one.
  one.ws->drop();
  one_connection_left();
  Player resumed(server.port(), login, {.query = "sid=" + one.sid + "&last_seq=0"});
  EXPECT_TRUE(resumed.welcome.at("d").at("resumed").as_bool());
  // Two live: full again. Drop one: the next new session takes the resumable one's place.
  EXPECT_EQ(testing::ws_refused(server.port(), {.token = login.token}).status, 429);
  two.ws->drop();
  one_connection_left();
  Player three(server.port(), login);
  EXPECT_FALSE(three.welcome.at("d").at("resumed").as_bool());
  EXPECT_EQ(metric(server.port(), "gateway_sessions_open"), 2);
}

// Hardening (issue 9): WebSocket upgrades per IP are rate limited, and open connections per
// IP (HTTP and WebSocket together) are capped.
TEST(Gateway, UpgradesAndConnectionsPerIpAreBounded) {
  TestServer server([](config::Settings& s) {
    s.gateway.upgrades_per_ip_burst = 2;
    s.gateway.upgrades_per_ip_per_minute = 60;
    s.http.max_connections_per_ip = 4;
  });
  const Login a = guest(server.port());
  Player p1(server.port(), a);
  Player p2(server.port(), guest(server.port()));
  auto refused = testing::ws_refused(server.port(), {.token = a.token});
  EXPECT_EQ(refused.status, 429);
  EXPECT_NE(refused.body.find("too_many_upgrades"), std::string::npos) << refused.body;
  server.clock().advance(1s);  // one upgrade regained
  // The logins' HTTP connections close just now; until the server has seen them go they still
  // count, so the next two steps retry (bounded) past a transient too_many_connections.
  std::unique_ptr<Player> p3;
  for (int i = 0; i < 200 && !p3; ++i) {
    try {
      p3 = std::make_unique<Player>(server.port(), a);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(10ms);
    }
  }
  ASSERT_TRUE(p3);
  // Three WebSockets and one keep-alive HTTP connection: the fifth connection is refused.
  HttpClient http(server.port());
  int held = 0;
  for (int i = 0; i < 200 && held != 200; ++i) {
    try {
      held = http.get("/healthz").status;
    } catch (const std::exception&) {
      held = 0;
    }
    if (held != 200) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(held, 200);
  HttpClient extra(server.port());
  auto r = extra.raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.error_code(), "too_many_connections");
  // A closed WebSocket gives its place back.
  p3->ws->drop();
  int status = 0;
  for (int i = 0; i < 200 && status != 200; ++i) {
    status = HttpClient(server.port()).raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status;
    if (status != 200) std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(status, 200);
}

TEST(Gateway, ResumeWithinTheWindowReplaysMissedPushesInOrder) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  Player b(server.port(), guest(server.port()));
  b.request("dm.send", {{"to", a.login.user_id}, {"body", "first"}}, 1);
  auto first = a.next("dm.message");
  ASSERT_TRUE(first);
  const auto last_seq = first->at("seq").as_int64();
  a.ws->drop();
  for (int i = 0; i < 3; ++i) {
    auto r = b.request("dm.send", {{"to", a.login.user_id}, {"body", "missed " + std::to_string(i)}}, 10 + i);
    EXPECT_EQ(str(r, {"op"}), "dm.send") << json::serialize(r);  // still online: the session waits
  }
  WsClient again(server.port(),
                 {.token = a.login.token, .query = "sid=" + a.sid + "&last_seq=" + std::to_string(last_seq)});
  auto w = again.recv_op("session.welcome");
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->at("d").at("resumed").as_bool());
  EXPECT_EQ(str(*w, {"d", "sid"}), a.sid);
  EXPECT_EQ(w->at("d").at("replayed").as_int64(), 3);
  for (int i = 0; i < 3; ++i) {
    auto m = again.recv();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->at("seq").as_int64(), last_seq + 1 + i);
    EXPECT_EQ(str(*m, {"d", "body"}), "missed " + std::to_string(i));
  }
  // And it continues live.
  b.request("dm.send", {{"to", a.login.user_id}, {"body", "live"}}, 20);
  auto live = again.recv_op("dm.message");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->at("seq").as_int64(), last_seq + 4);
}

// Hardening (issue 9, defect 6): a last_seq beyond anything the session sent is its own
// reason, not missed_too_much (which means the resume buffer overran).
TEST(Gateway, ResumeFromASeqNeverSentSaysSo) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  a.ws->drop();
  WsClient again(server.port(), {.token = a.login.token, .query = "sid=" + a.sid + "&last_seq=999"});
  auto w = again.recv_op("session.welcome");
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->at("d").at("resumed").as_bool());
  EXPECT_EQ(str(*w, {"d", "reason"}), "seq_ahead");
  EXPECT_NE(str(*w, {"d", "sid"}), a.sid);
}

TEST(Gateway, ResumeAfterTheWindowGetsAFreshSessionAndIsTold) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  a.ws->drop();
  // Bounded polls: first the server notices the disconnect, then (after the window) expires the session.
  auto wait_for_metric = [&](const std::string& line) {
    for (int i = 0; i < 400; ++i) {
      if (metrics(server.port()).find(line) != std::string::npos) return true;
      std::this_thread::sleep_for(25ms);
    }
    return false;
  };
  ASSERT_TRUE(wait_for_metric("gateway_connections_open 0\n"));
  EXPECT_NE(metrics(server.port()).find("gateway_sessions_open 1\n"), std::string::npos);  // resumable
  server.advance(31s);  // past the window: the sweep it sets off expires the session before this returns
  EXPECT_NE(metrics(server.port()).find("gateway_sessions_open 0\n"), std::string::npos);
  WsClient again(server.port(), {.token = a.login.token, .query = "sid=" + a.sid + "&last_seq=0"});
  auto w = again.recv_op("session.welcome");
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->at("d").at("resumed").as_bool());
  EXPECT_EQ(str(*w, {"d", "reason"}), "unknown_session");
  EXPECT_NE(str(*w, {"d", "sid"}), a.sid);
}

TEST(Gateway, AResumeForAnotherUsersSessionIsRefusedQuietly) {
  TestServer server;
  Player a(server.port(), guest(server.port()));
  const Login mallory = guest(server.port());
  WsClient m(server.port(), {.token = mallory.token, .query = "sid=" + a.sid + "&last_seq=0"});
  auto w = m.recv_op("session.welcome");
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->at("d").at("resumed").as_bool());
  EXPECT_NE(str(*w, {"d", "sid"}), a.sid);
  EXPECT_EQ(str(a.request("ping", {}, 1), {"op"}), "pong");  // a is untouched
}

TEST(Gateway, SecondConnectionPolicies) {
  {
    TestServer server;  // default: allow
    const Login u = guest(server.port());
    Player one(server.port(), u), two(server.port(), u);
    EXPECT_EQ(str(one.request("ping", {}, 1), {"op"}), "pong");
    EXPECT_EQ(str(two.request("ping", {}, 1), {"op"}), "pong");
  }
  {
    TestServer server([](config::Settings& s) { s.gateway.second_connection = gateway::SecondConnection::replace; });
    const Login u = guest(server.port());
    Player one(server.port(), u);
    Player two(server.port(), u);
    EXPECT_EQ(one.ws->wait_closed(), 4002);
    EXPECT_EQ(str(two.request("ping", {}, 1), {"op"}), "pong");
  }
}

TEST(Gateway, TokenRefreshAndExpiry) {
  TestServer server;
  const Login u = guest(server.port());
  Player p(server.port(), u);
  auto other = p.request("session.refresh", {{"access_token", guest(server.port()).token}}, 1);
  EXPECT_EQ(str(other, {"d", "code"}), "token_mismatch");
  auto junk = p.request("session.refresh", {{"access_token", "junk"}}, 2);
  EXPECT_EQ(str(junk, {"d", "code"}), "token_malformed");
  server.clock().advance(10min);
  HttpClient http(server.port());
  auto fresh = guest(server.port());  // a token issued now (another user) must not extend ours
  (void)fresh;
  auto login = http.post_json("/v1/auth/guest", "");
  auto ok = p.request("session.refresh", {{"access_token", u.token}}, 3);
  EXPECT_EQ(str(ok, {"op"}), "session.refresh");
  server.clock().advance(6min);  // now past the original 15-minute expiry
  EXPECT_EQ(p.ws->wait_closed(), 4001);
}

TEST(Gateway, LogoutClosesTheLoginsLiveSockets) {
  TestServer server;
  const Login u = guest(server.port());
  const Login other = guest(server.port());
  Player p(server.port(), u);
  Player q(server.port(), other);
  EXPECT_EQ(HttpClient(server.port()).post_json("/v1/auth/logout", "", u.token).status, 204);
  EXPECT_EQ(p.ws->wait_closed(), 4004);
  EXPECT_EQ(str(q.request("ping", {}, 1), {"op"}), "pong");  // another login is untouched
  auto refused = testing::ws_refused(server.port(), {.token = u.token});
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.body.find("token_revoked"), std::string::npos);
}

TEST(Gateway, DrainSaysGoingAway) {
  auto server = std::make_unique<TestServer>();
  Player p(server->port(), guest(server->port()));
  EXPECT_TRUE(server->app().drain());
  EXPECT_EQ(p.ws->wait_closed(), 1001);
}

// docs/protocol.md's op table and the gateway's, both ways: the same ops, each answered where
// the table says, and the ops the gateway checks for channel membership say so in the docs.
TEST(Gateway, TheOpTableAndTheDocsAgree) {
  std::ifstream in(std::string(ARENA_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(in);
  std::map<std::string, std::vector<std::string>> documented;  // op -> cells
  bool in_ops = false;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("### ", 0) == 0) in_ops = line == "### Ops";
    if (!in_ops || line.rfind("| `", 0) != 0) continue;
    const auto cells = testing::table_cells(line);
    ASSERT_EQ(cells.size(), 5u) << line;
    documented[cells[0].substr(1, cells[0].size() - 2)] = cells;
  }
  ASSERT_FALSE(documented.empty());
  std::set<std::string> in_code;
  for (const auto& op : gateway::ops()) {
    const std::string name(op.name);
    in_code.insert(name);
    auto it = documented.find(name);
    if (it == documented.end()) {
      ADD_FAILURE() << name << " is not in docs/protocol.md's op table";
      continue;
    }
    EXPECT_EQ(it->second[4], gateway::to_string(op.by)) << name;
    EXPECT_EQ(it->second[3].rfind("member of the channel", 0) == 0, op.need == gateway::Need::channel_member) << name;
  }
  for (const auto& [name, cells] : documented)
    EXPECT_TRUE(in_code.contains(name)) << name << " is documented but the gateway has no such op";
}

}  // namespace
}  // namespace arena
