#include "arena/storage/pg_listener.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace arena::storage {

PgListener::PgListener(std::string url, std::string channel, std::function<void(const std::string&)> on_notify)
    : url_(std::move(url)), channel_(std::move(channel)), on_notify_(std::move(on_notify)) {
  for (char c : channel_)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      throw std::invalid_argument("a LISTEN channel is letters, digits and _");
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) throw std::runtime_error("eventfd failed");
  thread_ = std::thread([this] { run(); });
}

PgListener::~PgListener() {
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
}

void PgListener::run() {
  pthread_setname_np(pthread_self(), "pg-listen");
  std::chrono::milliseconds pause{50};
  bool first = true;
  while (!stopping_) {
    PGconn* c = PQconnectdb(url_.c_str());
    bool ok = c != nullptr && PQstatus(c) == CONNECTION_OK;
    if (c != nullptr)
      PQsetNoticeProcessor(
          c, [](void*, const char*) {}, nullptr);
    if (ok) {
      PGresult* r = PQexec(c, ("LISTEN " + channel_).c_str());
      ok = r != nullptr && PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
    }
    if (ok) {
      listening_ = true;
      pause = std::chrono::milliseconds(50);
      if (!first) on_notify_("");  // back after a gap: whatever was sent meanwhile is unknown
      first = false;
      while (!stopping_) {
        pollfd fds[2] = {{PQsocket(c), POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;
        if ((fds[1].revents & POLLIN) != 0) break;  // stopping
        if (PQconsumeInput(c) == 0) break;          // the connection dropped
        while (PGnotify* n = PQnotifies(c)) {
          const std::string payload = n->extra != nullptr ? n->extra : "";
          PQfreemem(n);
          on_notify_(payload);
        }
      }
      listening_ = false;
    }
    PQfinish(c);
    if (stopping_) break;
    ++reconnects_;
    pollfd wake{wake_fd_, POLLIN, 0};
    ::poll(&wake, 1, static_cast<int>(pause.count()));  // a pause that stop() cuts short
    pause = std::min<std::chrono::milliseconds>(pause * 2, std::chrono::seconds(5));
  }
}

}  // namespace arena::storage
