#include "arena/testing/http_capture.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdlib>

namespace arena::testing {
namespace {
std::atomic<bool> stopped{false};
}

void stop_capturing() {
  stopped = true;
}

void capture_exchange(const std::string& method, const std::string& target, int status, const std::string& content_type,
                      const std::string& body) {
  static const char* const dir = std::getenv("OPENAPI_TRAFFIC_DIR");
  if (dir == nullptr || *dir == '\0' || status == 0 || stopped) return;
  boost::json::object line{{"method", method},
                           {"target", target},
                           {"status", status},
                           {"content_type", content_type},
                           {"size", body.size()}};
  if (content_type.rfind("application/json", 0) == 0) line["body"] = body;
  const std::string text = boost::json::serialize(line) + "\n";
  // One write per line with O_APPEND: lines of concurrent threads (and processes) never interleave.
  const std::string path = std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  [[maybe_unused]] const auto n = ::write(fd, text.data(), text.size());
  ::close(fd);
}

}  // namespace arena::testing
