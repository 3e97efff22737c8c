#pragma once
// Routes: method + path pattern ("/v1/accounts/{id}") -> handler. Handlers are synchronous;
// routes marked `blocking` (password hashing and other slow work) run on a separate thread
// pool so they never stall the I/O threads.
#include <functional>
#include <string>
#include <vector>

#include "arena/http/message.hpp"

namespace arena::http {

using Handler = std::function<Response(Request&)>;

struct RouteOptions {
  bool blocking = false;
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

  struct Match {
    const Route* route = nullptr;  // null: no route for this method
    bool path_known = false;       // some route has this path (-> 405 rather than 404)
    std::string allow;             // methods the path accepts, for the Allow header
  };
  // Fills request.params on a match. HEAD matches GET routes.
  Match match(Request& request) const;

 private:
  std::vector<Route> routes_;
};

}  // namespace arena::http
