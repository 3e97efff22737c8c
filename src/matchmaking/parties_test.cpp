#include "arena/matchmaking/parties.hpp"

#include <gtest/gtest.h>

#include "arena/core/error.hpp"

namespace arena::matchmaking {
namespace {

using namespace std::chrono_literals;
using Kind = PartyEvent::Kind;

struct Fixture {
  explicit Fixture(PartyLimits limits = {}) : parties(limits, clock, [this] { return "p" + std::to_string(++ids); }) {}
  core::FakeClock clock;
  int ids = 0;
  Parties parties;
};

Code code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an error";
  return Code::internal;
}

// The events as "kind:user:event/reason" strings, for compact expectations.
std::vector<std::string> events(Parties& p) {
  std::vector<std::string> out;
  for (const auto& e : p.take_events()) {
    switch (e.kind) {
      case Kind::updated: out.push_back("updated:" + e.user + ":" + e.event); break;
      case Kind::invited: out.push_back("invited:" + e.user + ":from " + e.from); break;
      case Kind::removed: out.push_back("removed:" + e.user + ":" + e.reason); break;
      case Kind::cancel_ticket: out.push_back("cancel:" + e.user + ":" + e.reason); break;
    }
  }
  return out;
}

TEST(Parties, CreateInviteAcceptAndTheEventsInOrder) {
  Fixture f;
  const Party& p = f.parties.create("ann");
  EXPECT_EQ(p.id, "p1");
  EXPECT_EQ(p.leader, "ann");
  EXPECT_EQ(events(f.parties), (std::vector<std::string>{"cancel:ann:joined_party", "updated:ann:created"}));
  f.parties.invite("ann", "bob");
  EXPECT_EQ(events(f.parties), (std::vector<std::string>{"invited:bob:from ann", "updated:bob:invited"}));
  const Party& joined = f.parties.accept("bob", "p1");
  EXPECT_EQ(joined.members, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_TRUE(joined.invites.empty());
  EXPECT_EQ(events(f.parties),
            (std::vector<std::string>{"cancel:bob:joined_party", "cancel:ann:party_changed", "updated:bob:joined"}));
  EXPECT_TRUE(f.parties.is_member("bob", "p1"));
  EXPECT_FALSE(f.parties.is_member("bob", "p2"));
  EXPECT_EQ(f.parties.party_of("bob"), f.parties.find("p1"));
}

TEST(Parties, OnlyTheLeaderInvitesKicksAndPromotes) {
  Fixture f;
  f.parties.create("ann");
  f.parties.invite("ann", "bob");
  f.parties.accept("bob", "p1");
  EXPECT_EQ(code_of([&] { f.parties.invite("bob", "cid"); }), Code::not_party_leader);
  EXPECT_EQ(code_of([&] { f.parties.kick("bob", "ann"); }), Code::not_party_leader);
  EXPECT_EQ(code_of([&] { f.parties.invite("dan", "cid"); }), Code::not_in_party);
  EXPECT_EQ(code_of([&] { f.parties.invite("ann", "ann"); }), Code::invalid_field);
  EXPECT_EQ(code_of([&] { f.parties.invite("ann", "bob"); }), Code::already_member);
  EXPECT_EQ(code_of([&] { f.parties.kick("ann", "cid"); }), Code::not_member);
  EXPECT_EQ(code_of([&] { f.parties.create("bob"); }), Code::already_in_party);
  (void)f.parties.take_events();
  EXPECT_EQ(f.parties.promote("ann", "bob").leader, "bob");
  EXPECT_EQ(events(f.parties), (std::vector<std::string>{"updated:bob:promoted"}));
  f.parties.kick("bob", "ann");
  EXPECT_EQ(events(f.parties),
            (std::vector<std::string>{"cancel:bob:party_member_kicked", "removed:ann:kicked", "updated:ann:kicked"}));
  EXPECT_EQ(f.parties.party_of("ann"), nullptr);
}

TEST(Parties, TheLeaderLeavingHandsOverAndTheLastOneOutEndsTheParty) {
  Fixture f;
  f.parties.create("ann");
  for (const char* u : {"bob", "cid"}) {
    f.parties.invite("ann", u);
    f.parties.accept(u, "p1");
  }
  (void)f.parties.take_events();
  EXPECT_EQ(f.parties.leave_own("ann"), "p1");
  EXPECT_EQ(f.parties.find("p1")->leader, "bob");  // the next to have joined
  EXPECT_EQ(events(f.parties),
            (std::vector<std::string>{"cancel:ann:party_member_left", "removed:ann:left", "updated:ann:left"}));
  f.parties.leave("bob", "disconnected", "party_member_disconnected");
  f.parties.leave("cid", "left", "party_member_left");
  EXPECT_EQ(f.parties.find("p1"), nullptr);
  EXPECT_EQ(f.parties.size(), 0u);
  f.parties.leave("cid", "left", "party_member_left");  // outside a party: nothing
  EXPECT_EQ(code_of([&] { f.parties.leave_own("cid"); }), Code::not_in_party);
}

TEST(Parties, InvitesExpireAndCountTowardsTheSize) {
  Fixture f(PartyLimits{.max_party_size = 3, .invite_ttl = 60s});
  f.parties.create("ann");
  f.parties.invite("ann", "bob");
  f.parties.invite("ann", "cid");
  EXPECT_EQ(code_of([&] { f.parties.invite("ann", "dan"); }), Code::party_full);  // 1 member + 2 invites
  f.parties.invite("ann", "bob");                                                 // a renewal is not a new seat
  f.clock.advance(61s);
  EXPECT_EQ(code_of([&] { f.parties.accept("cid", "p1"); }), Code::not_invited);
  f.parties.expire();
  EXPECT_TRUE(f.parties.find("p1")->invites.empty());
  f.parties.invite("ann", "dan");  // the expired invites freed their seats
  EXPECT_EQ(code_of([&] { f.parties.accept("dan", "p9"); }), Code::no_such_party);
  EXPECT_EQ(code_of([&] { f.parties.decline("eve", "p1"); }), Code::not_invited);
  f.parties.decline("dan", "p1");
  EXPECT_TRUE(f.parties.find("p1")->invites.empty());
}

TEST(Parties, ASendersBudgetAndATargetsOpenInvitesAreBounded) {
  Fixture f(PartyLimits{.max_party_size = 10, .invites_per_minute = 3, .max_open_invites = 2});
  f.parties.create("ann");
  f.parties.invite("ann", "b1");
  f.parties.invite("ann", "b2");
  f.parties.invite("ann", "b3");
  try {
    f.parties.invite("ann", "b4");
    ADD_FAILURE() << "expected too_many_invites";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::too_many_invites);
    EXPECT_GT(e.retry_after(), 0);
  }
  f.clock.advance(61s);  // the budget refills (and the invites expire)
  f.parties.invite("ann", "b4");
  // One target holds at most two open invites, whoever sends them.
  for (const char* leader : {"x1", "x2"}) {
    f.parties.create(leader);
    f.parties.invite(leader, "victim");
  }
  f.parties.create("x3");
  EXPECT_EQ(code_of([&] { f.parties.invite("x3", "victim"); }), Code::too_many_invites);
  f.parties.decline("victim", f.parties.party_of("x1")->id);  // a declined invite is no longer held
  f.parties.invite("x3", "victim");
}

TEST(Parties, AnInviteIsUsedOnceAndAPlayerInAPartyCannotAccept) {
  Fixture f(PartyLimits{.max_party_size = 3});
  f.parties.create("ann");
  f.parties.invite("ann", "bob");
  f.parties.invite("ann", "cid");
  f.parties.create("cid");
  f.parties.accept("bob", "p1");
  EXPECT_EQ(code_of([&] { f.parties.accept("bob", "p1"); }), Code::not_invited);  // the invite was used
  EXPECT_EQ(code_of([&] { f.parties.accept("cid", "p1"); }), Code::already_in_party);
  EXPECT_EQ(f.parties.find("p1")->members.size(), 2u);
}

}  // namespace
}  // namespace arena::matchmaking
