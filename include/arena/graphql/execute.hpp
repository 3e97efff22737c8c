#pragma once
// Execution of a validated document (GraphQL October 2021 section 6) over JSON values: an object
// value is a JSON object, a field's value is what its resolver returns or, without one, the
// parent's member of the field's name (graphql-js's default resolver); an interface or union
// value names its object type in "__typename" (graphql-js's default type resolver).
// Introspection (__schema, __type, __typename) is built in. Errors come in the spec's shape,
// with path, and a null in a non-null place nulls the nearest nullable parent.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "arena/graphql/ast.hpp"
#include "arena/graphql/schema.hpp"

namespace arena::graphql {

// What a resolver gets: the parent value, the field's coerced arguments, and the request's own
// context (what the caller passed to execute(): the player's token, say).
struct ResolveInfo {
  const boost::json::value& parent;
  const boost::json::object& args;
  const void* context;
  const Selection& field;
};

// Returns the field's value; throws FieldError (or any std::exception) to fail the field.
using Resolver = std::function<boost::json::value(const ResolveInfo&)>;

// A field's error; `code`, when given, goes in the error's extensions ({"code": ...}), as the
// API's stable error codes do.
class FieldError : public std::runtime_error {
 public:
  explicit FieldError(const std::string& message, std::string code = {})
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// The member of a parent object that holds a field without a resolver: its name by default; an
// API whose JSON is snake_case under camelCase fields maps one to the other.
// The view it returns must outlive the call (a table made once, or the field's own name).
using MemberName = std::function<std::string_view(std::string_view field)>;

struct ExecuteRequest {
  const Document* document = nullptr;
  std::string operation_name;                       // empty: the only operation
  boost::json::object variables;                    // as sent
  boost::json::value root = boost::json::object();  // the root value (the parent of the root fields)
  const void* context = nullptr;
};

class Executor {
 public:
  // Resolvers by field coordinate: "Query.player", "Player.history".
  Executor(std::shared_ptr<const Schema> schema, std::map<std::string, Resolver, std::less<>> resolvers = {},
           MemberName member_name = {});

  // {"data": ...} with "errors" when there are any; {"errors": [...]} alone when the request
  // cannot run (no such operation, bad variables). The document must have passed validate().
  boost::json::object execute(const ExecuteRequest& request) const;

  const Schema& schema() const { return *schema_; }

 private:
  std::shared_ptr<const Schema> schema_;
  std::map<std::string, Resolver, std::less<>> resolvers_;
  MemberName member_name_;
};

}  // namespace arena::graphql
