#include "arena/core/log.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace arena::log {

TEST(Log, JsonFormatEscapesMessagesIntoValidJson) {
  configure({"info", "json"});
  ::testing::internal::CaptureStderr();
  get("test")->info("msg=\"quoted\" path=C:\\x tab=\t end");
  get("test")->flush();
  const std::string out = ::testing::internal::GetCapturedStderr();
  configure({"info", "text"});
  const auto v = boost::json::parse(out);
  EXPECT_EQ(v.at("module").as_string(), "test");
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("msg").as_string(), "msg=\"quoted\" path=C:\\x tab=\t end");
}

TEST(Log, RejectsUnknownLevelsAndFormats) {
  EXPECT_THROW(configure({"loud", "text"}), std::invalid_argument);
  EXPECT_THROW(configure({"info", "xml"}), std::invalid_argument);
  EXPECT_NO_THROW(configure({"off", "text"}));
  configure({"info", "text"});
}

}  // namespace arena::log
