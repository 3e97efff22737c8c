#include "arena/auth/routes.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace arena::auth {
namespace json = boost::json;
using http::Method;
using http::Request;
using http::Response;

namespace {

Response tokens(int status, const TokenPair& t) {
  json::object o;
  o["user_id"] = t.user_id;
  o["access_token"] = t.access_token;
  o["refresh_token"] = t.refresh_token;
  o["token_type"] = "Bearer";
  o["expires_in"] = t.expires_in;
  o["refresh_expires_in"] = t.refresh_expires_in;
  return Response::json(status, json::serialize(o));
}

}  // namespace

json::object account_json(const Account& a) {
  json::object o;
  o["user_id"] = a.id;
  o["kind"] = a.kind;
  o["display_name"] = a.display_name;
  if (a.email) o["email"] = *a.email;
  o["created_at"] = a.created_at;
  o["updated_at"] = a.updated_at;
  return o;
}

void add_routes(http::Router& router, AuthService& service, core::JsonLimits limits) {
  router.add(Method::post, "/v1/auth/guest",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits, /*empty_ok=*/true);
               const core::Fields f(body);
               return tokens(200, service.guest(f.optional_string("display_name", 0, 1024)));
             },
             {.runs_on = http::RunsOn::storage});

  router.add(Method::post, "/v1/auth/device",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits);
               const core::Fields f(body);
               const std::string device_id = f.required_string("device_id", 0, 1024);
               return tokens(200, service.device(device_id, f.optional_string("display_name", 0, 1024)));
             },
             {.runs_on = http::RunsOn::storage});

  router.add(Method::post, "/v1/auth/register",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits);
               const core::Fields f(body);
               const std::string email = f.required_string("email", 0, 1024);
               const std::string password = f.required_string("password", 0, 1024);
               const std::string name = f.required_string("display_name", 0, 1024);
               return tokens(201, service.register_password(email, password, name, req.remote_ip));
             },
             {.runs_on = http::RunsOn::slow});

  router.add(Method::post, "/v1/auth/login",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits);
               const core::Fields f(body);
               const std::string email = f.required_string("email", 0, 1024);
               const std::string password = f.required_string("password", 0, 1024);
               return tokens(200, service.login(email, password, req.remote_ip));
             },
             {.runs_on = http::RunsOn::slow});

  router.add(Method::post, "/v1/auth/refresh",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits);
               const core::Fields f(body);
               return tokens(200, service.refresh(f.required_string("refresh_token", 0, 1024)));
             },
             {.runs_on = http::RunsOn::storage});

  // Ends the login: by its access token (Authorization header) or by a refresh token in the body.
  router.add(Method::post, "/v1/auth/logout",
             [&service, limits](Request& req) {
               const auto body = core::parse_object(req.body, limits, /*empty_ok=*/true);
               const core::Fields f(body);
               if (auto refresh = f.optional_string("refresh_token", 0, 1024)) {
                 service.logout_refresh_token(*refresh);
               } else {
                 service.logout_session(service.authenticate(req.bearer_token()).session_id);
               }
               return Response::no_content();
             },
             {.runs_on = http::RunsOn::storage});

  router.add(Method::get, "/v1/account",
             [&service](Request& req) {
               const Principal p = service.authenticate(req.bearer_token());
               return Response::json(200, json::serialize(account_json(service.account(p.user_id))));
             },
             {.runs_on = http::RunsOn::storage});

  router.add(
      Method::patch, "/v1/account",
      [&service, limits](Request& req) {
        const Principal p = service.authenticate(req.bearer_token());
        const auto body = core::parse_object(req.body, limits);
        const core::Fields f(body);
        return Response::json(
            200, json::serialize(account_json(service.rename(p.user_id, f.required_string("display_name", 0, 1024)))));
      },
      {.runs_on = http::RunsOn::storage});
}

}  // namespace arena::auth
