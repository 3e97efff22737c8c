#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "arena/metrics/registry.hpp"

namespace arena::metrics {
namespace {

std::size_t count_open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::size_t n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // the directory stream's own descriptor
}

void gauge_line(std::string& out, const char* name, const char* help, const char* type, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " + buf + "\n";
}

}  // namespace

void register_process_metrics(Registry& registry) {
  registry.add_collector([](std::string& out) {
    const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    std::ifstream statm("/proc/self/statm");
    double vm_pages = 0, rss_pages = 0;
    statm >> vm_pages >> rss_pages;
    gauge_line(out, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", rss_pages * page);
    gauge_line(out, "process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", vm_pages * page);
    gauge_line(out, "process_open_fds", "Number of open file descriptors.", "gauge",
               static_cast<double>(count_open_fds()));

    // /proc/self/stat: fields after the parenthesised command name; utime=14, stime=15, starttime=22.
    std::ifstream stat_file("/proc/self/stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    const auto close = stat.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(stat.substr(close + 2));
      std::string field;
      double utime = 0, stime = 0, start = 0;
      for (int i = 3; rest >> field; ++i) {
        if (i == 14) utime = std::stod(field);
        if (i == 15) stime = std::stod(field);
        if (i == 22) {
          start = std::stod(field);
          break;
        }
      }
      gauge_line(out, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter",
                 (utime + stime) / ticks);
      std::ifstream uptime_file("/proc/uptime");
      double uptime = 0;
      uptime_file >> uptime;
      const double boot = static_cast<double>(std::time(nullptr)) - uptime;
      gauge_line(out, "process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
                 boot + start / ticks);
    }
  });
}

}  // namespace arena::metrics
