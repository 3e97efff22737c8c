#include "store_conformance.hpp"

#include <atomic>
#include <set>
#include <thread>
#include <vector>

namespace arena::auth::testing {
namespace {

NewAccount guest(const std::string& id, std::int64_t now = 100) {
  return {id, "guest", "Guest " + id, std::nullopt, std::nullopt, now};
}

NewAccount with_email(const std::string& id, const std::string& email) {
  return {id, "password", "P " + id, email, "$argon2id$hash-of-" + id, 100};
}

TEST_P(AuthStoreConformance, AccountsAreCreatedFoundAndAnEmailIsTakenOnce) {
  auto a = s.accounts->create(with_email("a1", "ann@example.com"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, "password");
  EXPECT_FALSE(s.accounts->create(with_email("a2", "ann@example.com")));  // taken
  const auto found = s.accounts->find("a1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->display_name, "P a1");
  EXPECT_EQ(found->email, "ann@example.com");
  EXPECT_FALSE(found->disabled);
  EXPECT_EQ(found->created_at, 100);
  const auto by_email = s.accounts->find_by_email("ann@example.com");
  ASSERT_TRUE(by_email);
  EXPECT_EQ(by_email->account.id, "a1");
  EXPECT_EQ(by_email->password_hash, "$argon2id$hash-of-a1");
  EXPECT_FALSE(s.accounts->find("a2"));
  EXPECT_FALSE(s.accounts->find_by_email("nobody@example.com"));
  ASSERT_TRUE(s.accounts->create(guest("g1")));
  EXPECT_FALSE(s.accounts->find("g1")->email);
}

TEST_P(AuthStoreConformance, RenamesAndNewPasswordsAreKept) {
  ASSERT_TRUE(s.accounts->create(with_email("a1", "ann@example.com")));
  const auto renamed = s.accounts->set_display_name("a1", "Ann", 200);
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->display_name, "Ann");
  EXPECT_EQ(renamed->updated_at, 200);
  EXPECT_EQ(renamed->created_at, 100);
  EXPECT_FALSE(s.accounts->set_display_name("nobody", "X", 200));
  s.accounts->set_password_hash("a1", "$argon2id$new", 300);
  EXPECT_EQ(s.accounts->find_by_email("ann@example.com")->password_hash, "$argon2id$new");
  ASSERT_TRUE(s.accounts->create(guest("g1")));
  EXPECT_EQ(s.accounts->display_names({"a1", "nobody", "g1"}),
            (std::map<std::string, std::string>{{"a1", "Ann"}, {"g1", "Guest g1"}}));
  EXPECT_TRUE(s.accounts->display_names({}).empty());
}

TEST_P(AuthStoreConformance, ADeviceLeadsToOneAccountEvenWhenItsFirstLoginsRace) {
  const auto first = s.accounts->device_account_login(
      "dev-1", {"acc-1", "device", "D1", std::nullopt, std::nullopt, 100}, {"fam-a", "h-a", 100, 1000});
  EXPECT_EQ(first.account.id, "acc-1");
  EXPECT_EQ(first.account.kind, "device");
  EXPECT_TRUE(first.created);
  EXPECT_EQ(s.tokens->family_of("h-a"), "fam-a");
  const auto again = s.accounts->device_account_login(
      "dev-1", {"acc-2", "device", "D2", std::nullopt, std::nullopt, 200}, {"fam-b", "h-b", 200, 2000});
  EXPECT_EQ(again.account.id, "acc-1");
  EXPECT_EQ(again.account.display_name, "D1");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(s.tokens->family_of("h-b"), "fam-b");
  EXPECT_FALSE(s.accounts->find("acc-2"));
  // Eight first logins of one new device at once, beside eight of other new devices: one account
  // for the device, which every one of its logins gets, each with its own family.
  std::vector<AccountStore::DeviceAccount> got(16);
  std::vector<std::thread> logins;
  for (int i = 0; i < 16; ++i)
    logins.emplace_back([&, i] {
      const std::string n = std::to_string(i);
      const std::string id = "race-" + n;
      got[static_cast<std::size_t>(i)] = s.accounts->device_account_login(
          i < 8 ? "dev-race" : "dev-other-" + n, {id, "device", id, std::nullopt, std::nullopt, 100},
          {"rf-" + n, "rh-" + n, 100, 1000});
    });
  for (auto& t : logins) t.join();
  std::set<std::string> distinct;
  int created = 0;
  for (int i = 0; i < 8; ++i) {
    distinct.insert(got[static_cast<std::size_t>(i)].account.id);
    created += got[static_cast<std::size_t>(i)].created ? 1 : 0;
  }
  ASSERT_EQ(distinct.size(), 1u);
  EXPECT_EQ(created, 1);
  int accounts = 0;
  for (int i = 0; i < 8; ++i) accounts += s.accounts->find("race-" + std::to_string(i)) ? 1 : 0;
  EXPECT_EQ(accounts, 1);  // the losers' accounts were not left behind
  for (int i = 0; i < 16; ++i) {
    const auto n = std::to_string(i);
    EXPECT_EQ(s.tokens->family_of("rh-" + n), "rf-" + n) << i;
    if (i >= 8) {
      EXPECT_EQ(got[static_cast<std::size_t>(i)].account.id, "race-" + n);
      EXPECT_TRUE(got[static_cast<std::size_t>(i)].created);
    }
  }
}

TEST_P(AuthStoreConformance, AReturningDeviceLogsInInOneStepAndADisabledOneStartsNoFamily) {
  EXPECT_FALSE(s.accounts->device_login("dev-new", {"fam-0", "h-0", 100, 1000}));  // nothing bound yet
  EXPECT_FALSE(s.tokens->family_of("h-0"));                                        // and nothing written
  s.accounts->device_account_login("dev-1", {"acc-1", "device", "D1", std::nullopt, std::nullopt, 100},
                                   {"fam-x", "h-x", 100, 1000});
  const auto back = s.accounts->device_login("dev-1", {"fam-1", "h-1", 200, 2000});
  ASSERT_TRUE(back);
  EXPECT_EQ(back->id, "acc-1");
  EXPECT_EQ(back->display_name, "D1");
  EXPECT_EQ(s.tokens->family_of("h-1"), "fam-1");
  const auto r = s.tokens->rotate("h-1", "h-2", 300, 3000);
  EXPECT_EQ(r.status, RotateStatus::rotated);
  EXPECT_EQ(r.account_id, "acc-1");
  EXPECT_EQ(s.tokens->rotate("h-1", "h-3", 300, 3000).status, RotateStatus::reused);
}

// A guest's account and its login's family come in one step; many at once (PostgreSQL runs them
// together in one statement) each get their own.
TEST_P(AuthStoreConformance, GuestsLoggingInAtOnceEachGetTheirAccountAndFamily) {
  // Any text is a name to the store (PostgreSQL gets them in array literals).
  const auto name = [](int i) { return (i % 2 == 0 ? "Guest " : "q\"b\\{a,b} NULL ") + std::to_string(i); };
  std::vector<Account> got(32);
  std::vector<std::thread> logins;
  for (int i = 0; i < 32; ++i)
    logins.emplace_back([&, i] {
      const auto n = std::to_string(i);
      got[static_cast<std::size_t>(i)] =
          s.accounts->guest_login({"guest-" + n, "guest", name(i), std::nullopt, std::nullopt, 100 + i},
                                  {"gfam-" + n, "gh-" + n, 100 + i, 5000});
    });
  for (auto& t : logins) t.join();
  for (int i = 0; i < 32; ++i) {
    const auto n = std::to_string(i);
    EXPECT_EQ(got[static_cast<std::size_t>(i)].id, "guest-" + n);
    const auto stored = s.accounts->find("guest-" + n);
    ASSERT_TRUE(stored) << i;
    EXPECT_EQ(stored->kind, "guest");
    EXPECT_EQ(stored->display_name, name(i));
    EXPECT_EQ(stored->created_at, 100 + i);
    EXPECT_EQ(s.tokens->family_of("gh-" + n), "gfam-" + n);
    EXPECT_EQ(s.tokens->rotate("gh-" + n, "gh2-" + n, 200, 6000).account_id, "guest-" + n);
  }
}

// Many returning devices at once (PostgreSQL runs them together in one statement): each login
// gets its own account back and its own family, a device in it twice included, and a device
// nobody bound gets nothing.
TEST_P(AuthStoreConformance, ReturningDevicesLoggingInAtOnceEachGetTheirOwn) {
  for (int d = 0; d < 6; ++d) {
    const auto id = "acc-" + std::to_string(d);
    s.accounts->device_account_login("dev-" + std::to_string(d), {id, "device", id, std::nullopt, std::nullopt, 100},
                                     {"fam-s" + id, "h-s" + id, 100, 1000});
  }
  std::vector<std::optional<Account>> got(48);
  std::vector<std::thread> logins;
  for (int i = 0; i < 48; ++i)
    logins.emplace_back([&, i] {
      const auto n = std::to_string(i);
      const auto device = i % 8 < 6 ? "dev-" + std::to_string(i % 8) : "dev-unbound-" + n;
      got[static_cast<std::size_t>(i)] = s.accounts->device_login(device, {"fam-" + n, "h-" + n, 200, 2000});
    });
  for (auto& t : logins) t.join();
  for (int i = 0; i < 48; ++i) {
    const auto n = std::to_string(i);
    const auto& g = got[static_cast<std::size_t>(i)];
    if (i % 8 >= 6) {
      EXPECT_FALSE(g) << i;
      EXPECT_FALSE(s.tokens->family_of("h-" + n)) << i;
      continue;
    }
    ASSERT_TRUE(g) << i;
    EXPECT_EQ(g->id, "acc-" + std::to_string(i % 8));
    EXPECT_EQ(s.tokens->family_of("h-" + n), "fam-" + n);
  }
}

TEST_P(AuthStoreConformance, ARefreshTokenRotatesOnceAndItsReuseRevokesTheFamily) {
  ASSERT_TRUE(s.accounts->create(guest("u1")));
  s.tokens->start_family("fam-1", "u1", "h0", 100, 1000);
  EXPECT_EQ(s.tokens->family_of("h0"), "fam-1");
  const auto r1 = s.tokens->rotate("h0", "h1", 110, 1100);
  EXPECT_EQ(r1.status, RotateStatus::rotated);
  EXPECT_EQ(r1.account_id, "u1");
  EXPECT_EQ(r1.family_id, "fam-1");
  EXPECT_EQ(s.tokens->rotate("h1", "h2", 120, 1200).status, RotateStatus::rotated);
  // h1 again: reuse. The family ends, so its newest token is refused too.
  EXPECT_EQ(s.tokens->rotate("h1", "h9", 130, 1300).status, RotateStatus::reused);
  EXPECT_EQ(s.tokens->rotate("h2", "h3", 140, 1400).status, RotateStatus::revoked);
  EXPECT_EQ(s.tokens->revoked_since(130), std::vector<std::string>{"fam-1"});
  EXPECT_TRUE(s.tokens->revoked_since(131).empty());
  EXPECT_EQ(s.tokens->rotate("never-issued", "x", 140, 1400).status, RotateStatus::unknown);
  EXPECT_FALSE(s.tokens->family_of("never-issued"));
}

TEST_P(AuthStoreConformance, OfRacingRotationsOfOneTokenExactlyOneWins) {
  ASSERT_TRUE(s.accounts->create(guest("u1")));
  s.tokens->start_family("fam-1", "u1", "h0", 100, 100'000);
  std::atomic<int> rotated{0}, reused{0}, revoked{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < 6; ++i)
    clients.emplace_back([&, i] {
      switch (s.tokens->rotate("h0", "next-" + std::to_string(i), 110, 100'000).status) {
        case RotateStatus::rotated: ++rotated; break;
        case RotateStatus::reused: ++reused; break;
        case RotateStatus::revoked: ++revoked; break;
        default: break;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(rotated.load(), 1);
  EXPECT_GE(reused.load(), 1);  // the first loser revokes; later ones may find it revoked
  EXPECT_EQ(rotated + reused + revoked, 6);
}

TEST_P(AuthStoreConformance, ExpiredTokensAreRefusedAndDeletedByUpkeep) {
  ASSERT_TRUE(s.accounts->create(guest("u1")));
  s.tokens->start_family("fam-1", "u1", "old", 100, 200);
  s.tokens->start_family("fam-2", "u1", "fresh", 100, 10'000);
  EXPECT_EQ(s.tokens->rotate("old", "x", 200, 300).status, RotateStatus::expired);
  EXPECT_EQ(s.tokens->delete_expired(500), 1);
  EXPECT_EQ(s.tokens->delete_expired(500), 0);
  EXPECT_EQ(s.tokens->rotate("old", "x", 600, 700).status, RotateStatus::unknown);
  EXPECT_EQ(s.tokens->rotate("fresh", "y", 600, 10'600).status, RotateStatus::rotated);
}

TEST_P(AuthStoreConformance, AFamilyIsRevokedOnce) {
  ASSERT_TRUE(s.accounts->create(guest("u1")));
  s.tokens->start_family("fam-1", "u1", "h0", 100, 1000);
  EXPECT_TRUE(s.tokens->revoke_family("fam-1", "logout", 150));
  EXPECT_FALSE(s.tokens->revoke_family("fam-1", "logout", 160));
  EXPECT_FALSE(s.tokens->revoke_family("no-such-family", "logout", 160));
  EXPECT_EQ(s.tokens->rotate("h0", "h1", 170, 1000).status, RotateStatus::revoked);
  EXPECT_TRUE(s.tokens->ping());
}

}  // namespace
}  // namespace arena::auth::testing
