#include "arena/metrics/registry.hpp"

#include <gtest/gtest.h>

namespace arena::metrics {

TEST(Registry, RendersCountersGaugesAndHistogramsInPrometheusText) {
  Registry r;
  auto& c = r.counter("things_total", "Things", {"kind"});
  c.with({"a\"b"}).inc(3);
  r.gauge("level", "Level").with({}).set(2.5);
  auto& h = r.histogram("lat_seconds", "Latency", {"route"}, {0.1, 1});
  h.with({"/x"}).observe(0.05);
  h.with({"/x"}).observe(0.5);
  h.with({"/x"}).observe(5);
  const std::string text = r.render();
  EXPECT_NE(text.find("# TYPE things_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("things_total{kind=\"a\\\"b\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("level 2.5\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"0.1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"1\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_seconds_count{route=\"/x\"} 3\n"), std::string::npos);
}

TEST(Registry, ChildrenAreStableAndShared) {
  Registry r;
  auto& f = r.counter("x_total", "X", {"a"});
  Counter& one = f.with({"1"});
  f.with({"2"}).inc();
  f.with({"1"}).inc();
  EXPECT_EQ(&one, &f.with({"1"}));
  EXPECT_EQ(one.value(), 1u);
}

TEST(Registry, ProcessMetricsReadProc) {
  Registry r;
  register_process_metrics(r);
  const std::string text = r.render();
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_EQ(text.find("process_resident_memory_bytes 0\n"), std::string::npos);
}

}  // namespace arena::metrics

namespace arena::metrics {
namespace {

TEST(Registry, RefusesADuplicateNameAndAWrongNumberOfLabels) {
  Registry r;
  auto& f = r.counter("arena_things_total", "things", {"kind", "result"});
  EXPECT_THROW(r.counter("arena_things_total", "again"), std::logic_error);
  EXPECT_THROW(r.gauge("arena_things_total", "as a gauge"), std::logic_error);
  EXPECT_THROW(f.with({"only-one"}), std::logic_error);
  EXPECT_THROW(f.with({"a", "b", "c"}), std::logic_error);
  f.with({"a", "ok"}).inc();
  EXPECT_EQ(f.with({"a", "ok"}).value(), 1u);
  EXPECT_THROW(r.counter("arena_plain_total", "plain").with({"x"}), std::logic_error);
}

}  // namespace
}  // namespace arena::metrics
