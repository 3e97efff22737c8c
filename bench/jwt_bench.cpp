// JWT issue/verify throughput on one core.
#include <benchmark/benchmark.h>

#include "arena/auth/jwt.hpp"
#include "arena/core/encoding.hpp"

namespace {

arena::auth::Jwt make_jwt() {
  return arena::auth::Jwt(arena::auth::KeyRing::parse(
                              "k1:" + arena::core::base64url_encode(std::string("bench-secret-k-0123456789abcdefgh")) +
                              ",k0:" + arena::core::base64url_encode(std::string("bench-secret-o-0123456789abcdefgh"))),
                          arena::auth::JwtOptions{});
}

constexpr std::int64_t kNow = 1'700'000'000;

void BM_JwtVerify(benchmark::State& state) {
  const auto jwt = make_jwt();
  const std::string token =
      jwt.issue("0b7c1f0e-8a55-4a83-9d3e-3f1f2b1c9d10", "5e2f9a1c-77b1-4f0a-a1e2-6c3d4b5a6f70", kNow);
  for (auto _ : state) {
    auto r = jwt.verify(token, kNow + 1);
    benchmark::DoNotOptimize(r);
    if (r.error != arena::auth::TokenError::none) state.SkipWithError("verify failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtVerify);

void BM_JwtIssue(benchmark::State& state) {
  const auto jwt = make_jwt();
  for (auto _ : state) {
    auto t = jwt.issue("0b7c1f0e-8a55-4a83-9d3e-3f1f2b1c9d10", "5e2f9a1c-77b1-4f0a-a1e2-6c3d4b5a6f70", kNow);
    benchmark::DoNotOptimize(t);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtIssue);

void BM_JwtRejectBadSignature(benchmark::State& state) {
  const auto jwt = make_jwt();
  std::string token = jwt.issue("u", "s", kNow);
  token.back() = token.back() == 'A' ? 'B' : 'A';
  for (auto _ : state) benchmark::DoNotOptimize(jwt.verify(token, kNow));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_JwtRejectBadSignature);

}  // namespace

BENCHMARK_MAIN();
