#pragma once
// The executable part of a GraphQL document (GraphQL, October 2021, sections 2 and B): operations,
// fragments, selections, values and type references, each with the location of its first
// token. Type system definitions are not part of it: parse() refuses them (a document sent to a
// server executes; graphql-js reaches the same verdict through its ExecutableDefinitions rule).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace arena::graphql {

struct Location {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in characters (code points)
};

struct ObjectField;

struct Value {
  enum class Kind : std::uint8_t { variable, int_, float_, string, boolean, null, enum_, list, object };
  Kind kind = Kind::null;
  std::string text;  // the variable's or enum's name, the number as written, the string's value
  bool boolean = false;
  bool block = false;               // a string written as a block string ("""...""")
  std::vector<Value> list;          // kind list
  std::vector<ObjectField> fields;  // kind object, in document order
  Location loc;
};

struct ObjectField {
  std::string name;
  Value value;
  Location loc;
};

// A value as GraphQL source, as graphql-js prints it (strings escaped, lists and objects with
// ", " between items); with `normalized`, numbers as their values print (1.5e3 becomes 1500), as
// introspection shows default values.
std::string print(const Value& v, bool normalized = false);

struct Argument {
  std::string name;
  Value value;
  Location loc;
};

struct Directive {
  std::string name;
  std::vector<Argument> arguments;
  Location loc;
};

struct TypeRef {
  enum class Kind : std::uint8_t { named, list, non_null };
  Kind kind = Kind::named;
  std::string name;             // kind named
  std::unique_ptr<TypeRef> of;  // kind list and non_null: the wrapped type
  Location loc;

  TypeRef() = default;
  TypeRef(const TypeRef& o)
      : kind(o.kind), name(o.name), of(o.of ? std::make_unique<TypeRef>(*o.of) : nullptr), loc(o.loc) {}
  TypeRef& operator=(const TypeRef& o) {
    if (this != &o) *this = TypeRef(o);
    return *this;
  }
  TypeRef(TypeRef&&) noexcept = default;
  TypeRef& operator=(TypeRef&&) noexcept = default;
  // As written: "[Int!]!".
  std::string text() const;
};

struct Selection;

struct SelectionSet {
  std::vector<Selection> selections;  // empty only for a field without one
  Location loc;
};

struct Selection {
  enum class Kind : std::uint8_t { field, fragment_spread, inline_fragment };
  Kind kind = Kind::field;
  std::string alias;           // field: empty when none
  std::string name;            // field: its name; fragment spread: the fragment's name
  std::string type_condition;  // inline fragment: empty when none
  std::vector<Argument> arguments;
  std::vector<Directive> directives;
  SelectionSet selection_set;  // field (when it has one) and inline fragment
  bool has_selection_set = false;
  Location loc;

  // The key the field's result has: its alias, or its name.
  const std::string& response_key() const { return alias.empty() ? name : alias; }
};

struct VariableDefinition {
  std::string name;
  TypeRef type;
  std::optional<Value> default_value;
  std::vector<Directive> directives;
  Location loc;
};

struct Operation {
  enum class Kind : std::uint8_t { query, mutation, subscription };
  Kind kind = Kind::query;
  std::string name;  // empty: anonymous
  std::vector<VariableDefinition> variables;
  std::vector<Directive> directives;
  SelectionSet selection_set;
  Location loc;
};

struct Fragment {
  std::string name;
  std::string type_condition;
  std::vector<Directive> directives;
  SelectionSet selection_set;
  Location loc;
};

struct Document {
  std::vector<Operation> operations;
  std::vector<Fragment> fragments;
};

}  // namespace arena::graphql
