#include "arena/http/router.hpp"

namespace arena::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // paths begin with '/'
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const auto end = slash == std::string_view::npos ? path.size() : slash;
    out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_param(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

bool path_matches(const Route& r, const std::vector<std::string>& segs,
                  std::vector<std::pair<std::string, std::string>>* params) {
  if (r.segments.size() != segs.size()) return false;
  for (std::size_t i = 0; i < segs.size(); ++i) {
    if (is_param(r.segments[i])) {
      if (segs[i].empty()) return false;
      if (params != nullptr) params->emplace_back(r.segments[i].substr(1, r.segments[i].size() - 2), segs[i]);
    } else if (r.segments[i] != segs[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::add(Method method, std::string pattern, Handler handler, RouteOptions options) {
  auto segments = split_path(pattern);
  routes_.push_back({method, std::move(pattern), std::move(handler), options, std::move(segments)});
}

void Router::add_upgrade(std::string path, UpgradeCheck check, UpgradeAccept accept) {
  upgrades_.push_back({std::move(path), std::move(check), std::move(accept)});
}

const UpgradeRoute* Router::find_upgrade(std::string_view path) const {
  for (const auto& u : upgrades_)
    if (u.path == path) return &u;
  return nullptr;
}

Router::Match Router::match(Request& request) const {
  Match m;
  if (request.path.empty() || request.path.front() != '/') return m;
  const auto segs = split_path(request.path);
  const Method want = request.method == Method::head ? Method::get : request.method;
  for (const auto& r : routes_) {
    if (!path_matches(r, segs, nullptr)) continue;
    m.path_known = true;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += to_string(r.method);
    if (r.method == want && m.route == nullptr) {
      request.params.clear();
      path_matches(r, segs, &request.params);
      m.route = &r;
    }
  }
  return m;
}

}  // namespace arena::http
