#include "arena/core/log.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>

namespace arena::log {
namespace {

std::mutex g_mutex;

// %j: the message, escaped for a JSON string.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : std::string_view(msg.payload.data(), msg.payload.size())) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        dest.push_back('\\');
        dest.push_back(c);
      } else if (u < 0x20) {
        const char esc[] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 15]};
        dest.append(esc, esc + sizeof esc);
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};
Options g_options;

spdlog::level::level_enum parse_level(const std::string& s) {
  auto lvl = spdlog::level::from_str(s);
  // from_str maps unknown names to off; only accept "off" when it was asked for.
  if (lvl == spdlog::level::off && s != "off") throw std::invalid_argument("unknown log level: " + s);
  return lvl;
}

void apply(spdlog::logger& logger, const Options& o) {
  logger.set_level(parse_level(o.level));
  if (o.format == "json") {
    auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    f->add_flag<JsonEscapedMessage>('j').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","module":"%n","msg":"%j"})");
    logger.set_formatter(std::move(f));
  } else {
    logger.set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v", spdlog::pattern_time_type::utc);
  }
}

}  // namespace

void configure(const Options& options) {
  if (options.format != "text" && options.format != "json")
    throw std::invalid_argument("unknown log format: " + options.format);
  parse_level(options.level);
  std::lock_guard lock(g_mutex);
  g_options = options;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { apply(*l, g_options); });
}

std::shared_ptr<spdlog::logger> get(std::string_view module) {
  const std::string name(module);
  if (auto l = spdlog::get(name)) return l;
  std::lock_guard lock(g_mutex);
  if (auto l = spdlog::get(name)) return l;
  // One shared stderr sink (mutex-protected) for every module.
  static auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto logger = std::make_shared<spdlog::logger>(name, sink);
  apply(*logger, g_options);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace arena::log
