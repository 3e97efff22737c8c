// Profiles, match history and stored results over REST (served by the worker role, which owns
// ratings and their history; every route runs on the storage pool). The bodies are
// read_model.cpp's, which GraphQL shares.
#include "read_model.hpp"
#include "rest_params.hpp"

namespace arena::app {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

void add_player_routes(http::Router& routes, BoardServices& boards) {
  routes.add(Method::get, "/v1/players/{id}",
             [&boards](Request& req) {
               const auto body = player_json(boards, id_param(req, "id", Code::no_such_user));
               if (!body) throw Error(Code::no_such_user, "there is no player with that id");
               return Response::json(200, json::serialize(*body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/players/{id}/matches",
             [&boards](Request& req) {
               const std::string id = id_param(req, "id", Code::no_such_user);
               const int limit = page_limit(req, 20, 100);
               const auto page = history_page(boards, id, req.query_param("cursor").value_or(""), limit);
               return Response::json(200, json::serialize(page.body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/matches/{id}",
             [&boards](Request& req) {
               const auto body = match_json(boards, id_param(req, "id", Code::no_such_match));
               if (!body) throw Error(Code::no_such_match, "no stored match with that id");
               return Response::json(200, json::serialize(*body));
             },
             {.runs_on = http::RunsOn::storage});

  routes.add(Method::get, "/v1/modes", [&boards](Request&) {
    return Response::json(200, json::serialize(json::object{{"modes", modes_json(boards.modes)}}));
  });
}

}  // namespace arena::app
