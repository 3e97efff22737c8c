#include "arena/runtime/strand.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <pthread.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "arena/core/log.hpp"

namespace arena::runtime {
namespace asio = boost::asio;

struct Strand::Impl {
  explicit Impl(std::string n) : name(std::move(n)), work(asio::make_work_guard(ioc)) {}

  void run(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      log::get("runtime")->error("msg=\"strand work failed\" strand={} error=\"{}\"", name, e.what());
    }
  }

  std::string name;
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work;
  std::atomic<bool> stopped{false};
  std::atomic<std::size_t> backlog{0};
  std::thread thread;
};

Strand::Strand(std::string name, Priority priority) : impl_(std::make_unique<Impl>(std::move(name))) {
  impl_->thread = std::thread([im = impl_.get(), priority] {
    if (priority == Priority::background) {
      // Per thread on Linux: `who` is the thread id. Failure only means normal priority.
      if (setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10) != 0)
        log::get("runtime")->warn("msg=\"could not lower the strand's priority\" strand={}", im->name);
    }
    pthread_setname_np(pthread_self(), im->name.substr(0, 15).c_str());
    im->ioc.run();
  });
}

Strand::~Strand() {
  stop();
}

void Strand::post(std::function<void()> fn) {
  if (impl_->stopped.load()) return;
  impl_->backlog.fetch_add(1, std::memory_order_relaxed);
  asio::post(impl_->ioc, [im = impl_.get(), fn = std::move(fn)] {
    im->backlog.fetch_sub(1, std::memory_order_relaxed);
    if (!im->stopped.load()) im->run(fn);
  });
}

void Strand::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

bool Strand::running_here() const {
  return std::this_thread::get_id() == impl_->thread.get_id();
}

bool Strand::stopped() const {
  return impl_->stopped.load();
}

std::size_t Strand::backlog() const {
  return impl_->backlog.load(std::memory_order_relaxed);
}

}  // namespace arena::runtime
