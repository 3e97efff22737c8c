#pragma once
// Routes: method + path pattern ("/v1/accounts/{id}") -> handler. Handlers are synchronous and
// run where their route says: on the I/O thread (pure work only), on the storage pool (anything
// that waits for a database or the bus) or on the slow pool (password hashing), so no I/O
// thread ever waits for storage.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "arena/http/message.hpp"

namespace arena::http {

using Handler = std::function<Response(Request&)>;

struct Upgrade;  // arena/http/upgrade.hpp: a connection handed over after an Upgrade request
// Decides whether an upgrade may go ahead: a Response refuses it (sent as plain HTTP); nullopt
// accepts, and the request (with its `attachment`) travels on inside the Upgrade.
using UpgradeCheck = std::function<std::optional<Response>(Request&)>;
using UpgradeAccept = std::function<void(Upgrade&&)>;

struct UpgradeRoute {
  std::string path;
  UpgradeCheck check;
  UpgradeAccept accept;
};

enum class RunsOn {
  io,       // quick and pure: no storage, no bus, no lock another service holds for long
  storage,  // waits for a store or a bus reply (http.storage_threads)
  slow,     // CPU-heavy work such as password hashing (http.blocking_threads)
};

struct RouteOptions {
  RunsOn runs_on = RunsOn::io;
};

struct Route {
  Method method;
  std::string pattern;  // also the metrics label
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;
};

class Router {
 public:
  void add(Method method, std::string pattern, Handler handler, RouteOptions options = {});
  // GET `path` with `Upgrade: websocket` goes to `check`, then to `accept`; a plain GET of the
  // same path is answered 426 upgrade_required.
  void add_upgrade(std::string path, UpgradeCheck check, UpgradeAccept accept);
  const UpgradeRoute* find_upgrade(std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }  // fixed once the server starts
  const std::vector<UpgradeRoute>& upgrades() const { return upgrades_; }

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    bool path_known = false;       // some route has this path (-> 405 rather than 404)
    std::string allow;             // methods the path accepts, for the Allow header
  };
  // Fills request.params on a match. HEAD matches GET routes.
  Match match(Request& request) const;

 private:
  std::vector<Route> routes_;
  std::vector<UpgradeRoute> upgrades_;
};

}  // namespace arena::http
