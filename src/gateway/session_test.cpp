#include "session.hpp"

#include <gtest/gtest.h>

namespace arena::gateway {
namespace {

// Records what a session sends: the seq of each push, 0 for the welcome.
struct RecordingSink final : Sink {
  std::vector<std::uint64_t> seqs;
  void send(Outbound out) override { seqs.push_back(out.seq); }
};

std::shared_ptr<const std::string> body(int i) {
  return std::make_shared<const std::string>("\"op\":\"x\",\"d\":{\"i\":" + std::to_string(i) + "}}");
}

auto welcome_noting(std::size_t& replayed) {
  return [&replayed](std::size_t n, std::uint64_t) {
    replayed = n;
    return Outbound{0, body(0)};
  };
}

const core::SystemTime kT{std::chrono::seconds(1'700'000'000)};

TEST(SessionRing, AResumeReplaysExactlyWhatWasMissedInOrder) {
  Session s("sid", "u", 4);
  auto first = std::make_shared<RecordingSink>();
  std::size_t replayed = 99;
  ASSERT_EQ(s.attach(first, std::nullopt, welcome_noting(replayed)), Session::Attach::attached);
  EXPECT_EQ(replayed, 0u);
  for (int i = 1; i <= 3; ++i) s.push(body(i));
  EXPECT_EQ(first->seqs, (std::vector<std::uint64_t>{0, 1, 2, 3}));
  ASSERT_TRUE(s.detach(first.get(), kT));
  EXPECT_EQ(s.detached_since(), kT);
  for (int i = 4; i <= 5; ++i) s.push(body(i));  // while nobody is attached: buffered only
  EXPECT_EQ(first->seqs.size(), 4u);

  auto second = std::make_shared<RecordingSink>();
  ASSERT_EQ(s.attach(second, 3, welcome_noting(replayed)), Session::Attach::attached);
  EXPECT_EQ(replayed, 2u);
  EXPECT_EQ(second->seqs, (std::vector<std::uint64_t>{0, 4, 5}));  // the welcome, then the missed pushes
  EXPECT_FALSE(s.detached_since());
  s.push(body(6));
  EXPECT_EQ(second->seqs.back(), 6u);
}

TEST(SessionRing, AResumeTooFarBackOrAheadIsRefusedAndAttachesNothing) {
  Session s("sid", "u", 2);
  for (int i = 1; i <= 5; ++i) s.push(body(i));  // the ring keeps 4 and 5
  auto sink = std::make_shared<RecordingSink>();
  std::size_t replayed = 0;
  EXPECT_EQ(s.attach(sink, 2, welcome_noting(replayed)), Session::Attach::missed_too_much);
  EXPECT_EQ(s.attach(sink, 9, welcome_noting(replayed)), Session::Attach::seq_ahead);
  EXPECT_TRUE(sink->seqs.empty());
  EXPECT_EQ(s.attach(sink, 3, welcome_noting(replayed)), Session::Attach::attached);
  EXPECT_EQ(sink->seqs, (std::vector<std::uint64_t>{0, 4, 5}));
}

TEST(SessionRing, OnlyTheAttachedSinkCanDetach) {
  Session s("sid", "u", 2);
  auto a = std::make_shared<RecordingSink>();
  auto b = std::make_shared<RecordingSink>();
  std::size_t replayed = 0;
  s.attach(a, std::nullopt, welcome_noting(replayed));
  s.attach(b, s.last_seq(), welcome_noting(replayed));  // b took over (a resume elsewhere)
  EXPECT_FALSE(s.detach(a.get(), kT));                  // a late close of the old socket
  EXPECT_EQ(s.sink(), b);
  EXPECT_TRUE(s.detach(b.get(), kT));
}

TEST(SessionRing, ChannelsAreCappedPerSession) {
  Session s("sid", "u", 1);
  EXPECT_TRUE(s.add_channel("a", 2));
  EXPECT_TRUE(s.add_channel("a", 2));  // already in: fine
  EXPECT_TRUE(s.add_channel("b", 2));
  EXPECT_FALSE(s.add_channel("c", 2));
  EXPECT_TRUE(s.remove_channel("a"));
  EXPECT_TRUE(s.add_channel("c", 2));
  EXPECT_EQ(s.channels(), (std::vector<std::string>{"b", "c"}));
}

}  // namespace
}  // namespace arena::gateway
