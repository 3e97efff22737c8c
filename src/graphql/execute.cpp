// Execution (GraphQL October 2021 section 6) as graphql-js 16 does it over plain values: the
// operation, its variables coerced, fields collected per object type with @skip/@include, each
// field resolved and completed by its type; an error in a non-null place travels up (as an
// exception, as in graphql-js) to the nearest nullable field, which becomes null and records it.
#include "arena/graphql/execute.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <cmath>
#include <optional>
#include <set>

#include "js_number.hpp"

namespace arena::graphql {
namespace json = boost::json;
namespace {

using Kind = TypeDefinition::Kind;

// An error that knows where it happened; thrown up to the nearest nullable field.
struct Located {
  std::string message;
  std::vector<Location> locations;
  json::array path;
  std::string code;  // extensions.code, when the resolver gave one
};

json::object error_json(const Located& e) {
  json::object o{{"message", e.message}};
  if (!e.locations.empty()) {
    json::array locs;
    for (const auto& l : e.locations) locs.push_back(json::object{{"line", l.line}, {"column", l.column}});
    o["locations"] = std::move(locs);
  }
  if (!e.path.empty()) o["path"] = e.path;
  if (!e.code.empty()) o["extensions"] = json::object{{"code", e.code}};
  return o;
}

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  if (v.is_double()) return v.as_double();
  return std::nullopt;
}

// A JSON number as JSON: a whole double as an integer (so 1.0 reads back as 1, as in JavaScript).
json::value number_json(double d) {
  if (std::floor(d) == d && std::fabs(d) < 9007199254740992.0) return static_cast<std::int64_t>(d);
  return d;
}

std::string shown(const json::value& v) {
  if (v.is_string()) return quoted(std::string(v.as_string()));
  if (const auto n = number_of(v)) return js_number(*n);
  return json::serialize(v);
}

std::string deprecation(const std::vector<Directive>& ds, bool& deprecated) {
  for (const auto& d : ds)
    if (d.name == "deprecated") {
      deprecated = true;
      for (const auto& a : d.arguments)
        if (a.name == "reason" && a.value.kind == Value::Kind::string) return a.value.text;
      return "No longer supported";
    }
  deprecated = false;
  return {};
}

json::value text_or_null(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// What introspection says of a field, an enum value or an input value: its name, description and
// deprecation; nothing when it is deprecated and deprecated ones were not asked for.
std::optional<json::object> described(const std::string& name, const std::string& description,
                                      const std::vector<Directive>& directives, bool include_deprecated) {
  bool deprecated = false;
  const auto reason = deprecation(directives, deprecated);
  if (deprecated && !include_deprecated) return std::nullopt;
  return json::object{{"name", name},
                      {"description", text_or_null(description)},
                      {"isDeprecated", deprecated},
                      {"deprecationReason", deprecated ? json::value(reason) : nullptr}};
}

using FieldList = std::vector<std::pair<std::string, std::vector<const Selection*>>>;

class Run {
 public:
  Run(const Schema& schema, const std::map<std::string, Resolver, std::less<>>& resolvers,
      const MemberName& member_name, const ExecuteRequest& req)
      : schema_(schema), resolvers_(resolvers), member_name_(member_name), req_(req) {
    for (const auto& f : req.document->fragments) fragments_.emplace(f.name, &f);
  }

  json::object go() {
    const Operation* op = nullptr;
    const auto& ops = req_.document->operations;
    if (req_.operation_name.empty()) {
      if (ops.size() != 1)
        return request_error(ops.empty() ? "Must provide an operation."
                                         : "Must provide operation name if query contains multiple operations.");
      op = &ops.front();
    } else {
      for (const auto& o : ops)
        if (o.name == req_.operation_name) op = &o;
      if (op == nullptr) return request_error("Unknown operation named " + quoted(req_.operation_name) + ".");
    }
    const auto* root = schema_.root(op->kind);
    if (root == nullptr) {  // graphql-js: execution began and failed at once (data null, located)
      static constexpr std::string_view kKinds[] = {"query", "mutation", "subscription"};
      return json::object{
          {"errors", json::array{error_json(Located{"Schema is not configured to execute " +
                                                        std::string(kKinds[static_cast<int>(op->kind)]) + " operation.",
                                                    {op->loc},
                                                    {},
                                                    {}})}},
          {"data", nullptr}};
    }
    if (!coerce_variables(*op)) {
      json::object out;
      out["errors"] = std::move(errors_);
      return out;
    }
    json::value data;
    try {
      json::array path;
      data = execute_fields(*root, req_.root, collect(*root, op->selection_set), path);
    } catch (const Located& e) {
      errors_.push_back(error_json(e));
      data = nullptr;
    }
    json::object out;
    if (!errors_.empty()) out["errors"] = std::move(errors_);
    out["data"] = std::move(data);
    return out;
  }

 private:
  json::object request_error(const std::string& message) {
    return json::object{{"errors", json::array{json::object{{"message", message}}}}};
  }

  // ------------------------------------------------------------ input values

  // A JSON input (a variable's value) coerced to `type`; throws std::string saying why not.
  json::value coerce_input(const json::value& v, const TypeRef& type) {
    if (type.kind == TypeRef::Kind::non_null) {
      if (v.is_null()) throw std::string("Expected non-nullable type " + quoted(type.text()) + " not to be null.");
      return coerce_input(v, *type.of);
    }
    if (v.is_null()) return nullptr;
    if (type.kind == TypeRef::Kind::list) {
      json::array out;
      if (v.is_array()) {
        for (const auto& x : v.as_array()) out.push_back(coerce_input(x, *type.of));
      } else {
        out.push_back(coerce_input(v, *type.of));
      }
      return out;
    }
    const auto* t = schema_.type(type.name);
    if (t->kind == Kind::input_object) {
      if (!v.is_object()) throw std::string("Expected type " + quoted(t->name) + " to be an object.");
      json::object out;
      for (const auto& member : v.as_object()) {
        const std::string key(member.key());
        if (std::none_of(t->input_fields.begin(), t->input_fields.end(),
                         [&](const InputValueDefinition& d) { return d.name == key; }))
          throw std::string("Field " + quoted(key) + " is not defined by type " + quoted(t->name) + ".");
      }
      for (const auto& d : t->input_fields) {
        if (const auto* x = v.as_object().if_contains(d.name)) {
          out[d.name] = coerce_input(*x, d.type);
        } else if (d.default_value) {
          out[d.name] = *from_literal(*d.default_value, d.type);
        } else if (d.type.kind == TypeRef::Kind::non_null) {
          throw std::string("Field " + quoted(d.name) + " of required type " + quoted(d.type.text()) +
                            " was not provided.");
        }
      }
      return out;
    }
    if (t->kind == Kind::enum_) {
      if (v.is_string() && std::any_of(t->values.begin(), t->values.end(),
                                       [&](const EnumValueDefinition& e) { return e.name == v.as_string(); }))
        return v;
      throw std::string("Value " + shown(v) + " does not exist in " + quoted(t->name) + " enum.");
    }
    return coerce_scalar_input(*t, v);
  }

  static json::value coerce_scalar_input(const TypeDefinition& t, const json::value& v) {
    const auto n = number_of(v);
    if (t.name == "Int") {
      if (!n || std::floor(*n) != *n) throw std::string("Int cannot represent non-integer value: " + shown(v));
      if (*n < INT32_MIN || *n > INT32_MAX)
        throw std::string("Int cannot represent non 32-bit signed integer value: " + shown(v));
      return static_cast<std::int64_t>(*n);
    }
    if (t.name == "Float") {
      if (!n || !std::isfinite(*n)) throw std::string("Float cannot represent non numeric value: " + shown(v));
      return number_json(*n);
    }
    if (t.name == "String") {
      if (!v.is_string()) throw std::string("String cannot represent a non string value: " + shown(v));
      return v;
    }
    if (t.name == "Boolean") {
      if (!v.is_bool()) throw std::string("Boolean cannot represent a non boolean value: " + shown(v));
      return v;
    }
    if (t.name == "ID") {
      if (v.is_string()) return v;
      if (n && std::floor(*n) == *n) return json::value(js_number(*n));
      throw std::string("ID cannot represent value: " + shown(v));
    }
    return v;  // a custom scalar takes any value
  }

  bool coerce_variables(const Operation& op) {
    for (const auto& def : op.variables) {
      const auto* given = req_.variables.if_contains(def.name);
      if (given == nullptr) {
        if (def.default_value) {
          vars_[def.name] = *from_literal(*def.default_value, def.type);
        } else if (def.type.kind == TypeRef::Kind::non_null) {
          errors_.push_back(json::object{
              {"message", "Variable " + quoted("$" + def.name) + " of required type " + quoted(def.type.text()) +
                              " was not provided."},
              {"locations", json::array{json::object{{"line", def.loc.line}, {"column", def.loc.column}}}}});
        }
        continue;
      }
      try {
        vars_[def.name] = coerce_input(*given, def.type);
      } catch (const std::string& why) {
        const std::string message =
            given->is_null() && def.type.kind == TypeRef::Kind::non_null
                ? "Variable " + quoted("$" + def.name) + " of non-null type " + quoted(def.type.text()) +
                      " must not be null."
                : "Variable " + quoted("$" + def.name) + " got invalid value " + shown(*given) + "; " + why;
        errors_.push_back(
            json::object{{"message", message},
                         {"locations", json::array{json::object{{"line", def.loc.line}, {"column", def.loc.column}}}}});
      }
    }
    return errors_.empty();
  }

  // A literal's value for `type` (valueFromAST): nullopt for a variable that was not given.
  std::optional<json::value> from_literal(const Value& v, const TypeRef& type) {
    if (v.kind == Value::Kind::variable) {
      const auto* x = vars_.if_contains(v.text);
      if (x == nullptr) return std::nullopt;
      return *x;
    }
    if (type.kind == TypeRef::Kind::non_null) return from_literal(v, *type.of);
    if (v.kind == Value::Kind::null) return json::value(nullptr);
    if (type.kind == TypeRef::Kind::list) {
      json::array out;
      if (v.kind == Value::Kind::list) {
        for (const auto& x : v.list) out.push_back(from_literal(x, *type.of).value_or(nullptr));
      } else {
        out.push_back(from_literal(v, *type.of).value_or(nullptr));
      }
      return out;
    }
    const auto* t = schema_.type(type.name);
    if (t->kind == Kind::input_object) {
      json::object out;
      for (const auto& d : t->input_fields) {
        const auto f =
            std::find_if(v.fields.begin(), v.fields.end(), [&](const ObjectField& x) { return x.name == d.name; });
        std::optional<json::value> got;
        if (f != v.fields.end()) got = from_literal(f->value, d.type);
        if (!got && d.default_value) got = from_literal(*d.default_value, d.type);
        if (got) out[d.name] = std::move(*got);
      }
      return out;
    }
    switch (v.kind) {
      case Value::Kind::int_:
        if (t->name == "Float") return number_json(std::strtod(v.text.c_str(), nullptr));
        if (t->name == "ID") return json::value(v.text);
        if (t->name == "Int") return json::value(static_cast<std::int64_t>(std::strtoll(v.text.c_str(), nullptr, 10)));
        return untyped(v);
      case Value::Kind::float_: return number_json(std::strtod(v.text.c_str(), nullptr));
      case Value::Kind::string:
      case Value::Kind::enum_: return json::value(v.text);
      case Value::Kind::boolean: return json::value(v.boolean);
      default: return untyped(v);
    }
  }

  // A literal for a custom scalar (graphql-js's valueFromASTUntyped).
  json::value untyped(const Value& v) {
    switch (v.kind) {
      case Value::Kind::variable: {
        const auto* x = vars_.if_contains(v.text);
        return x != nullptr ? *x : json::value(nullptr);
      }
      case Value::Kind::int_: return static_cast<std::int64_t>(std::strtoll(v.text.c_str(), nullptr, 10));
      case Value::Kind::float_: return number_json(std::strtod(v.text.c_str(), nullptr));
      case Value::Kind::string:
      case Value::Kind::enum_: return json::value(v.text);
      case Value::Kind::boolean: return v.boolean;
      case Value::Kind::null: return nullptr;
      case Value::Kind::list: {
        json::array out;
        for (const auto& x : v.list) out.push_back(untyped(x));
        return out;
      }
      case Value::Kind::object: {
        json::object out;
        for (const auto& f : v.fields) out[f.name] = untyped(f.value);
        return out;
      }
    }
    return nullptr;
  }

  // A field's arguments (CoerceArgumentValues); throws std::string.
  json::object arguments(const std::vector<InputValueDefinition>& defs, const std::vector<Argument>& given) {
    json::object out;
    for (const auto& d : defs) {
      const auto a = std::find_if(given.begin(), given.end(), [&](const Argument& x) { return x.name == d.name; });
      std::optional<json::value> v;
      if (a != given.end()) v = from_literal(a->value, d.type);
      if (!v && d.default_value) v = from_literal(*d.default_value, d.type);
      if (!v) {
        if (d.type.kind == TypeRef::Kind::non_null)
          throw std::string("Argument " + quoted(d.name) + " of required type " + quoted(d.type.text()) +
                            " was not provided.");
        continue;
      }
      if (v->is_null() && d.type.kind == TypeRef::Kind::non_null)
        throw std::string("Argument " + quoted(d.name) + " of non-null type " + quoted(d.type.text()) +
                          " must not be null.");
      out[d.name] = std::move(*v);
    }
    return out;
  }

  // ------------------------------------------------------------ fields

  bool included(const std::vector<Directive>& ds) {
    for (const auto& d : ds) {
      if (d.name != "skip" && d.name != "include") continue;
      static const TypeRef kBoolean = [] {
        TypeRef t;
        t.name = "Boolean";
        return t;
      }();
      bool value = false;
      for (const auto& a : d.arguments)
        if (a.name == "if") {
          const auto v = from_literal(a.value, kBoolean);
          value = v && v->is_bool() && v->as_bool();
        }
      if ((d.name == "skip" && value) || (d.name == "include" && !value)) return false;
    }
    return true;
  }

  bool applies(const std::string& condition, const TypeDefinition& object) const {
    if (condition.empty()) return true;
    const auto* t = schema_.type(condition);
    return t != nullptr && schema_.is_subtype(object, *t);
  }

  FieldList collect(const TypeDefinition& object, const SelectionSet& set) {
    FieldList out;
    std::set<std::string> visited;
    collect_into(object, set, out, visited);
    return out;
  }

  void collect_into(const TypeDefinition& object, const SelectionSet& set, FieldList& out,
                    std::set<std::string>& visited) {
    for (const auto& s : set.selections) {
      if (!included(s.directives)) continue;
      switch (s.kind) {
        case Selection::Kind::field: {
          const auto it =
              std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == s.response_key(); });
          if (it == out.end())
            out.push_back({s.response_key(), {&s}});
          else
            it->second.push_back(&s);
          break;
        }
        case Selection::Kind::inline_fragment:
          if (applies(s.type_condition, object)) collect_into(object, s.selection_set, out, visited);
          break;
        case Selection::Kind::fragment_spread: {
          if (!visited.insert(s.name).second) break;
          const auto f = fragments_.find(s.name);
          if (f != fragments_.end() && applies(f->second->type_condition, object))
            collect_into(object, f->second->selection_set, out, visited);
          break;
        }
      }
    }
  }

  json::object execute_fields(const TypeDefinition& object, const json::value& parent, const FieldList& fields,
                              json::array& path) {
    json::object out;
    for (const auto& [key, nodes] : fields) {
      const auto* def = schema_.field(object, nodes.front()->name);
      if (def == nullptr) continue;
      path.push_back(json::value(key));
      out[key] = execute_field(object, parent, nodes, *def, path);
      path.pop_back();
    }
    return out;
  }

  Located located(std::string message, const std::vector<const Selection*>& nodes, const json::array& path) {
    Located e{std::move(message), {}, path};
    for (const auto* n : nodes) e.locations.push_back(n->loc);
    return e;
  }

  json::value execute_field(const TypeDefinition& object, const json::value& parent,
                            const std::vector<const Selection*>& nodes, const FieldDefinition& def, json::array& path) {
    const Selection& f = *nodes.front();
    try {
      json::value raw;
      try {
        const json::object args = arguments(def.arguments, f.arguments);
        raw = resolve(object, parent, f, args);
      } catch (const std::string& why) {
        throw located(why, nodes, path);
      } catch (const Located&) {
        throw;
      } catch (const FieldError& e) {
        auto l = located(e.what(), nodes, path);
        l.code = e.code();
        throw l;
      } catch (const std::exception& e) {
        throw located(e.what(), nodes, path);
      }
      return complete(def.type, object, nodes, raw, path);
    } catch (const Located& e) {
      if (def.type.kind == TypeRef::Kind::non_null) throw;
      errors_.push_back(error_json(e));
      return nullptr;
    }
  }

  json::value resolve(const TypeDefinition& object, const json::value& parent, const Selection& f,
                      const json::object& args) {
    if (f.name == "__typename") return json::value(object.name);
    const std::string coordinate = object.name + "." + f.name;
    if (const auto it = resolvers_.find(coordinate); it != resolvers_.end())
      return it->second(ResolveInfo{parent, args, req_.context, f});
    if (f.name == "__schema") return json::object();
    if (f.name == "__type") {
      const auto* t = schema_.type(std::string(args.at("name").as_string()));
      return t != nullptr ? type_ref_json(t->name) : json::value(nullptr);
    }
    if (object.name.rfind("__", 0) == 0) return introspect(object.name, f.name, parent, args);
    if (!parent.is_object()) return nullptr;
    const auto* v = parent.as_object().if_contains(member_name_ ? member_name_(f.name) : f.name);
    return v != nullptr ? *v : json::value(nullptr);
  }

  json::value complete(const TypeRef& type, const TypeDefinition& parent_type,
                       const std::vector<const Selection*>& nodes, const json::value& raw, json::array& path) {
    if (type.kind == TypeRef::Kind::non_null) {
      auto v = complete(*type.of, parent_type, nodes, raw, path);
      if (v.is_null())
        throw located("Cannot return null for non-nullable field " + parent_type.name + "." + nodes.front()->name + ".",
                      nodes, path);
      return v;
    }
    if (raw.is_null()) return nullptr;
    if (type.kind == TypeRef::Kind::list) {
      if (!raw.is_array())
        throw located("Expected Iterable, but did not find one for field \"" + parent_type.name + "." +
                          nodes.front()->name + "\".",
                      nodes, path);
      json::array out;
      std::size_t i = 0;
      for (const auto& item : raw.as_array()) {
        path.push_back(json::value(i++));
        try {
          out.push_back(complete(*type.of, parent_type, nodes, item, path));
        } catch (const Located& e) {
          if (type.of->kind == TypeRef::Kind::non_null) {
            path.pop_back();
            throw;
          }
          errors_.push_back(error_json(e));
          out.push_back(nullptr);
        }
        path.pop_back();
      }
      return out;
    }
    const auto* t = schema_.type(type.name);
    if (t->kind == Kind::scalar || t->kind == Kind::enum_) {
      try {
        return serialize(*t, raw);
      } catch (const std::string& why) {
        throw located(why, nodes, path);
      }
    }
    const TypeDefinition* object = t;
    if (Schema::is_abstract(*t)) object = runtime_type(*t, raw, nodes, path, parent_type);
    FieldList sub;
    std::set<std::string> visited;
    for (const auto* n : nodes) collect_into(*object, n->selection_set, sub, visited);
    return execute_fields(*object, raw, sub, path);
  }

  const TypeDefinition* runtime_type(const TypeDefinition& abstract, const json::value& raw,
                                     const std::vector<const Selection*>& nodes, const json::array& path,
                                     const TypeDefinition& parent_type) {
    const auto* name = raw.is_object() ? raw.as_object().if_contains("__typename") : nullptr;
    if (name == nullptr || !name->is_string())
      throw located("Abstract type " + quoted(abstract.name) + " must resolve to an Object type at runtime for field " +
                        quoted(parent_type.name + "." + nodes.front()->name) + ". Either the " + quoted(abstract.name) +
                        " type should provide a \"resolveType\" function or each possible type should provide an "
                        "\"isTypeOf\" function.",
                    nodes, path);
    const std::string n(name->as_string());
    const auto* t = schema_.type(n);
    if (t == nullptr)
      throw located("Abstract type " + quoted(abstract.name) + " was resolved to a type " + quoted(n) +
                        " that does not exist inside the schema.",
                    nodes, path);
    if (t->kind != Kind::object)
      throw located("Abstract type " + quoted(abstract.name) + " was resolved to a non-object type " + quoted(n) + ".",
                    nodes, path);
    if (!schema_.is_subtype(*t, abstract))
      throw located("Runtime Object type " + quoted(n) + " is not a possible type for " + quoted(abstract.name) + ".",
                    nodes, path);
    return t;
  }

  // A leaf value for the response (graphql-js's serialize of the built-in scalars and enums).
  json::value serialize(const TypeDefinition& t, const json::value& v) {
    if (t.kind == Kind::enum_) {
      if (v.is_string() && std::any_of(t.values.begin(), t.values.end(),
                                       [&](const EnumValueDefinition& e) { return e.name == v.as_string(); }))
        return v;
      throw std::string("Enum " + quoted(t.name) + " cannot represent value: " + shown(v));
    }
    std::optional<double> n = number_of(v);
    if (v.is_bool()) n = v.as_bool() ? 1.0 : 0.0;
    if (t.name == "Int" || t.name == "Float") {
      if (v.is_string() && !v.as_string().empty()) {
        const std::string s(v.as_string());
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (end == s.c_str() + s.size()) n = d;
      }
      if (t.name == "Int") {
        if (!n || std::floor(*n) != *n) throw std::string("Int cannot represent non-integer value: " + shown(v));
        if (*n < INT32_MIN || *n > INT32_MAX)
          throw std::string("Int cannot represent non 32-bit signed integer value: " + shown(v));
        return static_cast<std::int64_t>(*n);
      }
      if (!n || !std::isfinite(*n)) throw std::string("Float cannot represent non numeric value: " + shown(v));
      return number_json(*n);
    }
    if (t.name == "String") {
      if (v.is_string()) return v;
      if (v.is_bool()) return json::value(v.as_bool() ? "true" : "false");
      if (n && std::isfinite(*n)) return json::value(js_number(*n));
      throw std::string("String cannot represent value: " + shown(v));
    }
    if (t.name == "Boolean") {
      if (v.is_bool()) return v;
      if (n && std::isfinite(*n)) return json::value(*n != 0);
      throw std::string("Boolean cannot represent a non boolean value: " + shown(v));
    }
    if (t.name == "ID") {
      if (v.is_string()) return v;
      if (n && std::floor(*n) == *n && !v.is_bool()) return json::value(js_number(*n));
      throw std::string("ID cannot represent value: " + shown(v));
    }
    return v;  // a custom scalar: as it is
  }

  // ------------------------------------------------------------ introspection (section 4.2)

  // A type as introspection hands it around: a named type by name, a wrapper with what it wraps.
  static json::value type_ref_json(const std::string& name) { return json::object{{"$type", name}}; }
  static json::value type_ref_json(const TypeRef& ref) {
    if (ref.kind == TypeRef::Kind::named) return type_ref_json(ref.name);
    return json::object{{"$wrapper", ref.kind == TypeRef::Kind::list ? "LIST" : "NON_NULL"},
                        {"$of", type_ref_json(*ref.of)}};
  }

  json::value input_value_json(const InputValueDefinition& v) {
    auto o = *described(v.name, v.description, v.directives, /*include_deprecated=*/true);
    o["type"] = type_ref_json(v.type);
    o["defaultValue"] = v.default_value ? json::value(print(*v.default_value, /*normalized=*/true)) : nullptr;
    return o;
  }

  json::array input_values(const std::vector<InputValueDefinition>& vs, const json::object& args) {
    const bool all = args.contains("includeDeprecated") && args.at("includeDeprecated").is_bool() &&
                     args.at("includeDeprecated").as_bool();
    json::array out;
    for (const auto& v : vs) {
      auto j = input_value_json(v);
      if (all || !j.as_object().at("isDeprecated").as_bool()) out.push_back(std::move(j));
    }
    return out;
  }

  json::value directive_json(const DirectiveDefinition& d) {
    json::array locations;
    for (const auto& l : d.locations) locations.push_back(json::value(l));
    return json::object{{"name", d.name},
                        {"description", text_or_null(d.description)},
                        {"isRepeatable", d.repeatable},
                        {"locations", std::move(locations)},
                        {"isDeprecated", false},
                        {"deprecationReason", nullptr},
                        {"$directive", d.name}};
  }

  json::value introspect(const std::string& type, const std::string& field, const json::value& parent,
                         const json::object& args) {
    const auto& p = parent.as_object();
    const bool include_deprecated = args.contains("includeDeprecated") && args.at("includeDeprecated").is_bool() &&
                                    args.at("includeDeprecated").as_bool();
    if (type == "__Schema") {
      if (field == "description") return text_or_null(schema_.description());
      if (field == "types") {
        json::array out;
        for (const auto* t : schema_.introspected_types()) out.push_back(type_ref_json(t->name));
        return out;
      }
      if (field == "queryType") return type_ref_json(schema_.query_type().name);
      if (field == "mutationType")
        return schema_.mutation_type() ? type_ref_json(schema_.mutation_type()->name) : json::value(nullptr);
      if (field == "subscriptionType")
        return schema_.subscription_type() ? type_ref_json(schema_.subscription_type()->name) : json::value(nullptr);
      if (field == "directives") {
        json::array out;
        for (const auto* d : schema_.directives()) out.push_back(directive_json(*d));
        return out;
      }
      return nullptr;
    }
    if (type == "__Type") {
      if (const auto* w = p.if_contains("$wrapper")) {
        if (field == "kind") return *w;
        if (field == "ofType") return p.at("$of");
        return nullptr;  // a wrapper has no name, fields, ...
      }
      const auto* t = schema_.type(std::string(p.at("$type").as_string()));
      static constexpr std::string_view kKinds[] = {"SCALAR", "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT"};
      if (field == "kind") return json::value(kKinds[static_cast<int>(t->kind)]);
      if (field == "name") return json::value(t->name);
      if (field == "description") return text_or_null(t->description);
      if (field == "specifiedByURL") {
        for (const auto& d : t->directives)
          if (d.name == "specifiedBy")
            for (const auto& a : d.arguments)
              if (a.name == "url") return json::value(a.value.text);
        return nullptr;
      }
      if (field == "fields") {
        if (t->kind != Kind::object && t->kind != Kind::interface_) return nullptr;
        json::array out;
        for (const auto& f : t->fields) {
          auto o = described(f.name, f.description, f.directives, include_deprecated);
          if (!o) continue;
          (*o)["type"] = type_ref_json(f.type);
          (*o)["$type"] = t->name;
          (*o)["$field"] = f.name;
          out.push_back(std::move(*o));
        }
        return out;
      }
      if (field == "interfaces") {
        if (t->kind != Kind::object && t->kind != Kind::interface_) return nullptr;
        json::array out;
        for (const auto& i : t->interfaces) out.push_back(type_ref_json(i));
        return out;
      }
      if (field == "possibleTypes") {
        if (!Schema::is_abstract(*t)) return nullptr;
        json::array out;
        for (const auto* o : schema_.possible_types(*t)) out.push_back(type_ref_json(o->name));
        return out;
      }
      if (field == "enumValues") {
        if (t->kind != Kind::enum_) return nullptr;
        json::array out;
        for (const auto& v : t->values)
          if (auto o = described(v.name, v.description, v.directives, include_deprecated)) out.push_back(std::move(*o));
        return out;
      }
      if (field == "inputFields") {
        if (t->kind != Kind::input_object) return nullptr;
        return input_values(t->input_fields, args);
      }
      if (field == "isOneOf") return t->kind == Kind::input_object ? json::value(false) : json::value(nullptr);
      return nullptr;  // ofType of a named type
    }
    if (type == "__Field" && field == "args") {
      const auto* t = schema_.type(std::string(p.at("$type").as_string()));
      return input_values(schema_.field(*t, p.at("$field").as_string())->arguments, args);
    }
    if (type == "__Directive" && field == "args")
      return input_values(schema_.directive(p.at("$directive").as_string())->arguments, args);
    const auto* v = p.if_contains(field);
    return v != nullptr ? *v : json::value(nullptr);
  }

  const Schema& schema_;
  const std::map<std::string, Resolver, std::less<>>& resolvers_;
  const MemberName& member_name_;
  const ExecuteRequest& req_;
  std::map<std::string, const Fragment*> fragments_;
  json::object vars_;
  json::array errors_;
};

}  // namespace

Executor::Executor(std::shared_ptr<const Schema> schema, std::map<std::string, Resolver, std::less<>> resolvers,
                   MemberName member_name)
    : schema_(std::move(schema)), resolvers_(std::move(resolvers)), member_name_(std::move(member_name)) {}

json::object Executor::execute(const ExecuteRequest& request) const {
  return Run(*schema_, resolvers_, member_name_, request).go();
}

}  // namespace arena::graphql
