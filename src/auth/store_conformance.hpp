#pragma once
// One behaviour suite for every implementation of the login service's stores (AccountStore and
// TokenStore). An implementation's test file provides a factory and instantiates the suite:
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AuthStoreConformance, ::testing::Values(AuthStoreFactory{...}));
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "arena/auth/store.hpp"

namespace arena::auth::testing {

struct AuthStores {
  std::shared_ptr<void> owner;  // keeps the database, pool and store alive
  AccountStore* accounts = nullptr;
  TokenStore* tokens = nullptr;
};

struct AuthStoreFactory {
  std::string name;
  std::function<AuthStores()> make;
};

class AuthStoreConformance : public ::testing::TestWithParam<AuthStoreFactory> {
 protected:
  void SetUp() override { s = GetParam().make(); }
  void TearDown() override { s = {}; }
  AuthStores s;
};

inline void PrintTo(const AuthStoreFactory& f, std::ostream* os) {
  *os << f.name;
}
inline std::string factory_name(const ::testing::TestParamInfo<AuthStoreFactory>& info) {
  return info.param.name;
}

}  // namespace arena::auth::testing
