#include "session.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "arena/metrics/registry.hpp"
#include "mirror_writer.hpp"

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

using Missed = std::vector<std::pair<std::string, std::shared_ptr<const std::string>>>;

TEST(MovedSession, GoesOnFromItsSeqWithWhatItMissedThenWhatCameEachOnce) {
  // Moved here at seq 7; the old gateway kept 6 (id m6) and 7 (id m7).
  std::vector<Kept> kept{{Outbound{6, body(6)}, "m6"}, {Outbound{7, body(7)}, "m7"}};
  auto s = std::make_shared<Session>("sid", "u", 8, 7, kept);
  s->push(body(9), "m9");  // live, while the history is read: held
  s->push(body(7), "m7");  // the old gateway had it
  auto sink = std::make_shared<RecordingSink>();
  std::size_t replayed = 0;
  ASSERT_EQ(s->attach(sink, 5, welcome_noting(replayed)), Session::Attach::attached);
  EXPECT_EQ(replayed, 2u);
  EXPECT_EQ(sink->seqs, (std::vector<std::uint64_t>{0, 6, 7}));
  // The history: m7 (had it), m8 (missed), m9 (also came live).
  EXPECT_EQ(s->finish_gathering(Missed{{"m7", body(7)}, {"m8", body(8)}, {"m9", body(9)}}), 2u);
  EXPECT_EQ(sink->seqs, (std::vector<std::uint64_t>{0, 6, 7, 8, 9}));
  s->push(body(9), "m9");  // late, the live way: dropped
  s->push(body(10), "m10");
  EXPECT_EQ(sink->seqs.back(), 10u);
  EXPECT_EQ(s->last_seq(), 10u);
  s->settled();
  s->push(body(11), "m9");  // long after: ids are not remembered for ever
  EXPECT_EQ(s->last_seq(), 11u);
}

// A mirror whose writes wait until the test opens the gate, and remember what they got.
struct GatedMirror final : SessionMirror {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::vector<MirrorWrite> got;
  Written write(const std::string&, const std::vector<MirrorWrite>& writes, std::size_t) override {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return open; });
    got.insert(got.end(), writes.begin(), writes.end());
    cv.notify_all();
    return {};
  }
  void keep_alive(const std::string&, const std::vector<std::string>&) override {}
  std::optional<MirroredSession> take(const std::string&, const std::string&, const std::string&) override {
    return std::nullopt;
  }
  bool wait_for(std::size_t entries) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(5), [&] {
      std::size_t n = 0;
      for (const auto& w : got) n += w.entries.size();
      return n >= entries;
    });
  }
};

// A kick closes the sessions that began before the one it keeps: by sid (UUIDv7) here; a session
// that moved here has a new sid, so by when it first began.
TEST(MovedSession, BeganWhenItFirstBeganNotWhenItsNewSidWasMade) {
  const std::string earlier = "0190a5b4-1c2d-7e3f-8a4b-5c6d7e8f9a0b";  // ms 0x0190a5b41c2d
  const std::string later = "0190a5b4-1c2e-7e3f-8a4b-5c6d7e8f9a0b";    // one ms after
  EXPECT_TRUE(Session(earlier, "u", 1).opened_before(later));
  EXPECT_FALSE(Session(later, "u", 1).opened_before(earlier));
  EXPECT_FALSE(Session(later, "u", 1).opened_before(later));
  // Moved here with a sid made after `later`, but begun (its mirror's time) at `earlier`'s ms.
  Session moved("0190a5b4-ffff-7e3f-8a4b-5c6d7e8f9a0b", "u", 1, 0, {});
  moved.mirror_to(nullptr, 0x0190a5b41c2d);
  EXPECT_TRUE(moved.opened_before(later));
  EXPECT_FALSE(moved.opened_before(earlier));
}

TEST(MirroredSession, APushReachesTheSocketOnlyOnceTheMirrorHasIt) {
  GatedMirror mirror;
  metrics::Registry registry;
  MirrorWriter writer(mirror, {.node = "n1", .limit = 8}, registry, {[] { return std::vector<std::string>{}; }, {}});
  auto s = std::make_shared<Session>("sid", "u", 8);
  s->mirror_to(&writer, 1'000);
  writer.opened(s, 1'000);
  auto sink = std::make_shared<RecordingSink>();
  std::size_t replayed = 0;
  s->attach(sink, std::nullopt, welcome_noting(replayed));
  s->push(body(1), "m1");
  s->push(body(2), "m2");
  EXPECT_EQ(sink->seqs, (std::vector<std::uint64_t>{0}));  // held: the mirror has not got them
  // A resume meanwhile replays only what went out, and says so.
  auto again = std::make_shared<RecordingSink>();
  std::uint64_t said = 99;
  ASSERT_EQ(s->attach(again, 0,
                      [&](std::size_t, std::uint64_t last) {
                        said = last;
                        return Outbound{0, body(0)};
                      }),
            Session::Attach::attached);
  EXPECT_EQ(said, 0u);
  {
    std::lock_guard lock(mirror.mu);
    mirror.open = true;
  }
  mirror.cv.notify_all();
  ASSERT_TRUE(mirror.wait_for(2));
  writer.stop();  // the batch in flight is released before the thread ends
  EXPECT_EQ(again->seqs, (std::vector<std::uint64_t>{0, 1, 2}));
  std::lock_guard lock(mirror.mu);
  ASSERT_FALSE(mirror.got.empty());
  EXPECT_EQ(mirror.got.front().user, "u");  // made before its pushes
  EXPECT_EQ(mirror.got.front().created_ms, 1'000);
}

}  // namespace
}  // namespace arena::gateway
