#include "ticket_args.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "arena/core/error.hpp"

namespace arena::matchmaking {
namespace {

Code code_of(const char* json) {
  try {
    ticket_args(boost::json::parse(json).as_object());
  } catch (const Error& e) {
    return e.code();
  }
  return Code::internal;  // accepted
}

TEST(TicketArgs, ReadsModePingsAndProperties) {
  const auto req = ticket_args(boost::json::parse(R"({"mode":"duel","regions":{"eu":29.6,"us":120},
      "properties":{"map":"dunes","level":7}})")
                                   .as_object());
  EXPECT_EQ(req.mode, "duel");
  EXPECT_EQ(req.pings.at("eu"), 30);
  EXPECT_EQ(req.pings.at("us"), 120);
  EXPECT_EQ(std::get<std::string>(req.properties.at("map")), "dunes");
  EXPECT_EQ(std::get<double>(req.properties.at("level")), 7);
  EXPECT_TRUE(req.players.empty());
}

TEST(TicketArgs, RefusesWhatIsMissingOrMalformed) {
  EXPECT_EQ(code_of(R"({"regions":{"eu":1}})"), Code::missing_field);
  EXPECT_EQ(code_of(R"({"mode":"duel"})"), Code::missing_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":[1]})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":"fast"}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":-1}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":60001}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":1},"properties":{"":1}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":1},"properties":{"a":[1]}})"), Code::invalid_field);
  EXPECT_EQ(code_of(R"({"mode":"duel","regions":{"eu":1},"properties":null})"), Code::internal);
}

}  // namespace
}  // namespace arena::matchmaking
