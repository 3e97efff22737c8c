#pragma once
// A GraphQL schema built from SDL, with the built-ins every schema has: the scalars Int, Float,
// String, Boolean and ID, the directives @include, @skip, @deprecated, @specifiedBy and @oneOf,
// and the introspection types (__Schema, __Type, ... as graphql-js 16.15 defines them, so that
// documents validate and introspect the same way). Types keep their SDL order, built-ins after
// the schema's own. A @oneOf input object is refused (its input rules are not implemented).
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "arena/graphql/sdl.hpp"

namespace arena::graphql {

class Schema {
 public:
  // Throws SyntaxError for bad SDL and std::invalid_argument for a schema that is not whole
  // (a type named twice, a reference to no type, an input type where an output one belongs,
  // no query type).
  static std::shared_ptr<const Schema> from_sdl(std::string_view sdl);
  Schema(const Schema&) = delete;  // holds pointers into itself
  Schema& operator=(const Schema&) = delete;

  const TypeDefinition* type(std::string_view name) const;
  const DirectiveDefinition* directive(std::string_view name) const;
  const TypeDefinition& query_type() const { return *query_; }
  const TypeDefinition* mutation_type() const { return mutation_; }
  const TypeDefinition* subscription_type() const { return subscription_; }
  const TypeDefinition* root(Operation::Kind kind) const;
  const std::string& description() const { return description_; }
  const std::vector<const TypeDefinition*>& types() const { return order_; }  // SDL order, then built-ins
  // What introspection lists (__schema.types), in graphql-js's order: each type of the SDL in turn
  // with the types it references that are not listed yet, then what the directives and the
  // introspection types reference. Built-in scalars the schema never references are left out.
  const std::vector<const TypeDefinition*>& introspected_types() const { return introspected_; }
  const std::vector<const DirectiveDefinition*>& directives() const { return directive_order_; }

  // A field of an object or interface type, with the meta-fields: __typename on every composite
  // type, __schema and __type on the query type. Null when there is none.
  const FieldDefinition* field(const TypeDefinition& parent, std::string_view name) const;

  // The object types a composite type may be at run time (itself, for an object type).
  std::vector<const TypeDefinition*> possible_types(const TypeDefinition& t) const;
  bool overlap(const TypeDefinition& a, const TypeDefinition& b) const;  // could one value be both?
  // Is `sub` a `super` (equal, or an object/interface implementing it, or a member of a union)?
  bool is_subtype(const TypeDefinition& sub, const TypeDefinition& super) const;

  const TypeDefinition* named(const TypeRef& ref) const;  // the type under the wrappers
  bool is_input(const TypeRef& ref) const;                // scalar, enum or input object
  bool is_output(const TypeRef& ref) const;               // anything but an input object
  static bool is_leaf(const TypeDefinition& t);
  static bool is_composite(const TypeDefinition& t);
  static bool is_abstract(const TypeDefinition& t);
  // Can a value of type `var` (a variable's) stand where `loc` is expected? (spec 5.8.5)
  static bool compatible(const TypeRef& var, const TypeRef& loc);

 private:
  Schema() = default;
  void index();
  void collect_introspected();

  SchemaDocument own_;
  SchemaDocument builtins_;
  std::string description_;
  std::map<std::string, const TypeDefinition*, std::less<>> types_;
  std::map<std::string, const DirectiveDefinition*, std::less<>> directives_;
  std::vector<const TypeDefinition*> order_;
  std::vector<const TypeDefinition*> introspected_;
  std::vector<const DirectiveDefinition*> directive_order_;
  const TypeDefinition* query_ = nullptr;
  const TypeDefinition* mutation_ = nullptr;
  const TypeDefinition* subscription_ = nullptr;
  FieldDefinition typename_field_, schema_field_, type_field_;
};

}  // namespace arena::graphql
