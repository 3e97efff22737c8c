// Document validation (GraphQL October 2021 section 5), rule by rule as graphql-js 16 has them.
// One walk over every operation and fragment definition checks what depends on where a node is
// (fields, arguments, values, directives, fragment spreads) and records variable usages and
// spreads; the rules about the whole document (names, cycles, unused and undefined variables)
// run over those records after.
#include "arena/graphql/validate.hpp"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <set>
#include <utility>

namespace arena::graphql {
namespace {

using Kind = TypeDefinition::Kind;

std::string quoted(std::string_view s) {
  return "\"" + std::string(s) + "\"";
}

bool same_value(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.text != b.text || a.boolean != b.boolean || a.list.size() != b.list.size() ||
      a.fields.size() != b.fields.size())
    return false;
  for (std::size_t i = 0; i < a.list.size(); ++i)
    if (!same_value(a.list[i], b.list[i])) return false;
  for (std::size_t i = 0; i < a.fields.size(); ++i)
    if (a.fields[i].name != b.fields[i].name || !same_value(a.fields[i].value, b.fields[i].value)) return false;
  return true;
}

bool same_arguments(const std::vector<Argument>& a, const std::vector<Argument>& b) {
  if (a.size() != b.size()) return false;
  return std::all_of(a.begin(), a.end(), [&](const Argument& x) {
    return std::any_of(b.begin(), b.end(),
                       [&](const Argument& y) { return x.name == y.name && same_value(x.value, y.value); });
  });
}

bool is_required(const InputValueDefinition& d) {
  return d.type.kind == TypeRef::Kind::non_null && !d.default_value;
}

// Where a variable is used: the type expected there (null: not known) and whether that place
// has a default of its own.
struct Usage {
  std::string name;
  const TypeRef* expected;
  bool location_has_default;
  Location loc;
};

// What one operation or fragment definition uses.
struct Uses {
  std::vector<Usage> variables;
  std::vector<std::string> spreads;
};

class Validator {
 public:
  Validator(const Schema& schema, const Document& doc, const ValidationLimits& limits)
      : schema_(schema), doc_(doc), limits_(limits) {
    for (const auto& f : doc.fragments) fragments_.emplace(f.name, &f);
  }

  std::vector<GraphqlError> run() {
    names();
    for (const auto& f : doc_.fragments) fragment_definition(f);
    for (const auto& op : doc_.operations) operation(op);
    fragment_cycles();
    unused_fragments();
    return std::move(errors_);
  }

 private:
  void error(std::string message, std::vector<Location> locations) {
    errors_.push_back({std::move(message), std::move(locations)});
  }

  // ------------------------------------------------------------ names (5.2.1.1, 5.2.2.1, 5.5.1.1)

  void names() {
    std::map<std::string, Location> ops;
    for (const auto& op : doc_.operations) {
      if (op.name.empty()) {
        if (doc_.operations.size() > 1) error("This anonymous operation must be the only defined operation.", {op.loc});
        continue;
      }
      const auto [it, fresh] = ops.emplace(op.name, op.loc);
      if (!fresh) error("There can be only one operation named " + quoted(op.name) + ".", {it->second, op.loc});
    }
    std::map<std::string, Location> frags;
    for (const auto& f : doc_.fragments) {
      const auto [it, fresh] = frags.emplace(f.name, f.loc);
      if (!fresh) error("There can be only one fragment named " + quoted(f.name) + ".", {it->second, f.loc});
    }
  }

  // ------------------------------------------------------------ definitions

  void operation(const Operation& op) {
    Uses uses;
    const TypeDefinition* root = schema_.root(op.kind);
    static constexpr std::string_view kWhere[] = {"QUERY", "MUTATION", "SUBSCRIPTION"};
    directives(op.directives, kWhere[static_cast<int>(op.kind)], uses);
    std::map<std::string, const VariableDefinition*> defined;
    for (const auto& v : op.variables) {
      if (!defined.emplace(v.name, &v).second) {
        error("There can be only one variable named " + quoted("$" + v.name) + ".", {defined[v.name]->loc, v.loc});
        continue;
      }
      const auto* t = schema_.named(v.type);
      if (t == nullptr) {
        error("Unknown type " + quoted(named_name(v.type)) + ".", {v.type.loc});
      } else if (!schema_.is_input(v.type)) {
        error("Variable " + quoted("$" + v.name) + " cannot be non-input type " + quoted(v.type.text()) + ".",
              {v.type.loc});
      } else if (v.default_value) {
        value(*v.default_value, &v.type, false, uses);
      }
      directives(v.directives, "VARIABLE_DEFINITION", uses);
    }
    selection_set(op.selection_set, root, uses);
    if (op.kind == Operation::Kind::subscription && root != nullptr) single_root_field(op);

    // Variables: every one used is defined, every one defined is used, each where it may be.
    std::vector<Usage> used = uses.variables;
    std::set<std::string> seen;
    std::vector<std::string> todo = uses.spreads;
    while (!todo.empty()) {
      const auto name = todo.back();
      todo.pop_back();
      if (!seen.insert(name).second) continue;
      const auto it = fragment_uses_.find(name);
      if (it == fragment_uses_.end()) continue;
      used.insert(used.end(), it->second.variables.begin(), it->second.variables.end());
      todo.insert(todo.end(), it->second.spreads.begin(), it->second.spreads.end());
    }
    const std::string of_op = op.name.empty() ? "." : " by operation " + quoted(op.name) + ".";
    std::set<std::string> used_names;
    for (const auto& u : used) {
      used_names.insert(u.name);
      const auto d = defined.find(u.name);
      if (d == defined.end()) {
        error("Variable " + quoted("$" + u.name) + " is not defined" + of_op, {u.loc, op.loc});
        continue;
      }
      if (u.expected != nullptr && schema_.named(d->second->type) != nullptr && !allowed(*d->second, u))
        error("Variable " + quoted("$" + u.name) + " of type " + quoted(d->second->type.text()) +
                  " used in position expecting type " + quoted(u.expected->text()) + ".",
              {d->second->loc, u.loc});
    }
    for (const auto& v : op.variables)
      if (!used_names.contains(v.name))
        error("Variable " + quoted("$" + v.name) + " is never used" +
                  (op.name.empty() ? "." : " in operation " + quoted(op.name) + "."),
              {v.loc});
    for (const auto& s : uses.spreads) used_fragments_.insert(s);
    for (const auto& s : seen) used_fragments_.insert(s);
  }

  // 5.8.5: a nullable variable may stand for a non-null place that has a default, or when the
  // variable has a non-null default itself.
  bool allowed(const VariableDefinition& var, const Usage& u) const {
    const TypeRef& loc = *u.expected;
    if (loc.kind == TypeRef::Kind::non_null && var.type.kind != TypeRef::Kind::non_null) {
      const bool var_default = var.default_value && var.default_value->kind != Value::Kind::null;
      if (!var_default && !u.location_has_default) return false;
      return subtype(var.type, *loc.of);
    }
    return subtype(var.type, loc);
  }

  bool subtype(const TypeRef& sub, const TypeRef& super) const {
    if (super.kind == TypeRef::Kind::non_null)
      return sub.kind == TypeRef::Kind::non_null && subtype(*sub.of, *super.of);
    if (sub.kind == TypeRef::Kind::non_null) return subtype(*sub.of, super);
    if (super.kind == TypeRef::Kind::list) return sub.kind == TypeRef::Kind::list && subtype(*sub.of, *super.of);
    if (sub.kind == TypeRef::Kind::list) return false;
    const auto* a = schema_.type(sub.name);
    const auto* b = schema_.type(super.name);
    return a != nullptr && b != nullptr && schema_.is_subtype(*a, *b);
  }

  static std::string named_name(const TypeRef& t) {
    const TypeRef* r = &t;
    while (r->kind != TypeRef::Kind::named) r = r->of.get();
    return r->name;
  }

  void fragment_definition(const Fragment& f) {
    Uses uses;
    const auto* t = schema_.type(f.type_condition);
    if (t == nullptr) {
      error("Unknown type " + quoted(f.type_condition) + ".", {f.loc});
    } else if (!Schema::is_composite(*t)) {
      error("Fragment " + quoted(f.name) + " cannot condition on non composite type " + quoted(f.type_condition) + ".",
            {f.loc});
      t = nullptr;
    }
    directives(f.directives, "FRAGMENT_DEFINITION", uses);
    selection_set(f.selection_set, t, uses);
    fragment_uses_.emplace(f.name, std::move(uses));
  }

  // ------------------------------------------------------------ selections

  void selection_set(const SelectionSet& set, const TypeDefinition* parent, Uses& uses) {
    for (const auto& s : set.selections) {
      switch (s.kind) {
        case Selection::Kind::field: field(s, parent, uses); break;
        case Selection::Kind::inline_fragment: inline_fragment(s, parent, uses); break;
        case Selection::Kind::fragment_spread: spread(s, parent, uses); break;
      }
    }
    fields_can_merge(set, parent);
  }

  void field(const Selection& f, const TypeDefinition* parent, Uses& uses) {
    if ((f.name == "__schema" || f.name == "__type") && introspection_too_deep(f, 0))
      error("Maximum introspection depth exceeded", {f.loc});
    const FieldDefinition* def = nullptr;
    if (parent != nullptr) {
      def = schema_.field(*parent, f.name);
      if (def == nullptr)
        error("Cannot query field " + quoted(f.name) + " on type " + quoted(parent->name) + ".", {f.loc});
    }
    arguments(f.arguments, def != nullptr ? &def->arguments : nullptr,
              def != nullptr ? "field " + quoted(parent->name + "." + f.name) : std::string(), uses);
    if (def != nullptr)
      for (const auto& a : def->arguments)
        if (is_required(a) &&
            std::none_of(f.arguments.begin(), f.arguments.end(), [&](const Argument& x) { return x.name == a.name; }))
          error("Field " + quoted(f.name) + " argument " + quoted(a.name) + " of type " + quoted(a.type.text()) +
                    " is required, but it was not provided.",
                {f.loc});
    directives(f.directives, "FIELD", uses);
    const TypeDefinition* type = def != nullptr ? schema_.named(def->type) : nullptr;
    if (type != nullptr && Schema::is_leaf(*type) && f.has_selection_set)
      error("Field " + quoted(f.name) + " must not have a selection since type " + quoted(def->type.text()) +
                " has no subfields.",
            {f.selection_set.loc});
    if (type != nullptr && Schema::is_composite(*type) && !f.has_selection_set)
      error("Field " + quoted(f.name) + " of type " + quoted(def->type.text()) +
                " must have a selection of subfields. Did you mean " + quoted(f.name + " { ... }") + "?",
            {f.loc});
    if (f.has_selection_set)
      selection_set(f.selection_set, type != nullptr && Schema::is_composite(*type) ? type : nullptr, uses);
  }

  void inline_fragment(const Selection& s, const TypeDefinition* parent, Uses& uses) {
    const TypeDefinition* type = parent;
    if (!s.type_condition.empty()) {
      type = schema_.type(s.type_condition);
      if (type == nullptr) {
        error("Unknown type " + quoted(s.type_condition) + ".", {s.loc});
      } else if (!Schema::is_composite(*type)) {
        error("Fragment cannot condition on non composite type " + quoted(s.type_condition) + ".", {s.loc});
        type = nullptr;
      } else if (parent != nullptr && !schema_.overlap(*type, *parent)) {
        error("Fragment cannot be spread here as objects of type " + quoted(parent->name) + " can never be of type " +
                  quoted(type->name) + ".",
              {s.loc});
      }
    }
    directives(s.directives, "INLINE_FRAGMENT", uses);
    selection_set(s.selection_set, type, uses);
  }

  void spread(const Selection& s, const TypeDefinition* parent, Uses& uses) {
    directives(s.directives, "FRAGMENT_SPREAD", uses);
    const auto it = fragments_.find(s.name);
    if (it == fragments_.end()) {
      error("Unknown fragment " + quoted(s.name) + ".", {s.loc});
      return;
    }
    uses.spreads.push_back(s.name);
    const auto* type = schema_.type(it->second->type_condition);
    if (parent != nullptr && type != nullptr && Schema::is_composite(*type) && !schema_.overlap(*type, *parent))
      error("Fragment " + quoted(s.name) + " cannot be spread here as objects of type " + quoted(parent->name) +
                " can never be of type " + quoted(type->name) + ".",
            {s.loc});
  }

  // graphql-js 16's MaxIntrospectionDepthRule (not in the spec, in its specified rules): under
  // __schema or __type, fields named fields, interfaces, possibleTypes or inputFields nested three
  // deep make an introspection query that grows too fast to answer.
  bool introspection_too_deep(const Selection& s, int depth) {
    if (s.kind == Selection::Kind::fragment_spread) {
      const auto it = fragments_.find(s.name);
      if (it == fragments_.end() || !introspected_.insert(s.name).second) return false;  // a cycle: no deeper
      bool deep = false;
      for (const auto& c : it->second->selection_set.selections) deep = deep || introspection_too_deep(c, depth);
      introspected_.erase(s.name);
      return deep;
    }
    if (s.kind == Selection::Kind::field &&
        (s.name == "fields" || s.name == "interfaces" || s.name == "possibleTypes" || s.name == "inputFields") &&
        ++depth >= 3)
      return true;
    for (const auto& c : s.selection_set.selections)
      if (introspection_too_deep(c, depth)) return true;
    return false;
  }

  // ------------------------------------------------------------ arguments, values, directives

  void arguments(const std::vector<Argument>& args, const std::vector<InputValueDefinition>* defs,
                 const std::string& of, Uses& uses) {
    std::map<std::string, Location> seen;
    for (const auto& a : args) {
      const auto [it, fresh] = seen.emplace(a.name, a.loc);
      if (!fresh) error("There can be only one argument named " + quoted(a.name) + ".", {it->second, a.loc});
      const InputValueDefinition* def = nullptr;
      if (defs != nullptr) {
        for (const auto& d : *defs)
          if (d.name == a.name) def = &d;
        if (def == nullptr) error("Unknown argument " + quoted(a.name) + " on " + of + ".", {a.loc});
      }
      value(a.value, def != nullptr ? &def->type : nullptr, def != nullptr && def->default_value.has_value(), uses);
    }
  }

  void directives(const std::vector<Directive>& ds, std::string_view where, Uses& uses) {
    std::map<std::string, Location> seen;
    for (const auto& d : ds) {
      const auto* def = schema_.directive(d.name);
      if (def == nullptr) {
        error("Unknown directive " + quoted("@" + d.name) + ".", {d.loc});
        arguments(d.arguments, nullptr, {}, uses);
        continue;
      }
      if (std::find(def->locations.begin(), def->locations.end(), where) == def->locations.end())
        error("Directive " + quoted("@" + d.name) + " may not be used on " + std::string(where) + ".", {d.loc});
      if (!def->repeatable) {
        const auto [it, fresh] = seen.emplace(d.name, d.loc);
        if (!fresh)
          error("The directive " + quoted("@" + d.name) + " can only be used once at this location.",
                {it->second, d.loc});
      }
      arguments(d.arguments, &def->arguments, "directive " + quoted("@" + d.name), uses);
      for (const auto& a : def->arguments)
        if (is_required(a) &&
            std::none_of(d.arguments.begin(), d.arguments.end(), [&](const Argument& x) { return x.name == a.name; }))
          error("Directive " + quoted("@" + d.name) + " argument " + quoted(a.name) + " of type " +
                    quoted(a.type.text()) + " is required, but it was not provided.",
                {d.loc});
    }
  }

  // ValuesOfCorrectType and UniqueInputFieldNames; variables are recorded with the type their
  // place expects (`type` null: unknown, for values under an unknown argument or field).
  void value(const Value& v, const TypeRef* type, bool location_has_default, Uses& uses) {
    if (v.kind == Value::Kind::variable) {
      uses.variables.push_back({v.text, type, location_has_default, v.loc});
      return;
    }
    if (v.kind == Value::Kind::object) {
      std::map<std::string, Location> seen;
      for (const auto& f : v.fields) {
        const auto [it, fresh] = seen.emplace(f.name, f.loc);
        if (!fresh) error("There can be only one input field named " + quoted(f.name) + ".", {it->second, f.loc});
      }
    }
    if (type == nullptr) {
      for (const auto& x : v.list) value(x, nullptr, false, uses);
      for (const auto& f : v.fields) value(f.value, nullptr, false, uses);
      return;
    }
    if (type->kind == TypeRef::Kind::non_null) {
      if (v.kind == Value::Kind::null) {
        error("Expected value of type " + quoted(type->text()) + ", found null.", {v.loc});
        return;
      }
      value(v, type->of.get(), false, uses);
      return;
    }
    if (v.kind == Value::Kind::null) return;
    if (type->kind == TypeRef::Kind::list) {
      if (v.kind == Value::Kind::list) {
        for (const auto& x : v.list) value(x, type->of.get(), false, uses);
      } else {
        value(v, type->of.get(), false, uses);  // a single value stands for a list of one
      }
      return;
    }
    const auto* t = schema_.type(type->name);
    if (t == nullptr) return;
    auto bad = [&](const std::string& why = {}) {
      error(why.empty() ? "Expected value of type " + quoted(type->text()) + ", found " + print(v) + "." : why,
            {v.loc});
    };
    if (t->kind == Kind::input_object) {
      if (v.kind != Value::Kind::object) return bad();
      for (const auto& f : v.fields) {
        const auto d = std::find_if(t->input_fields.begin(), t->input_fields.end(),
                                    [&](const InputValueDefinition& x) { return x.name == f.name; });
        if (d == t->input_fields.end()) {
          error("Field " + quoted(f.name) + " is not defined by type " + quoted(t->name) + ".", {f.loc});
          value(f.value, nullptr, false, uses);
          continue;
        }
        value(f.value, &d->type, d->default_value.has_value(), uses);
      }
      for (const auto& d : t->input_fields)
        if (is_required(d) &&
            std::none_of(v.fields.begin(), v.fields.end(), [&](const ObjectField& f) { return f.name == d.name; }))
          error("Field " + quoted(t->name + "." + d.name) + " of required type " + quoted(d.type.text()) +
                    " was not provided.",
                {v.loc});
      return;
    }
    for (const auto& x : v.list) value(x, nullptr, false, uses);  // a list where a scalar goes: its variables
    for (const auto& f : v.fields) value(f.value, nullptr, false, uses);
    if (t->kind == Kind::enum_) {
      if (v.kind != Value::Kind::enum_)
        return bad("Enum " + quoted(t->name) + " cannot represent non-enum value: " + print(v) + ".");
      if (std::none_of(t->values.begin(), t->values.end(),
                       [&](const EnumValueDefinition& e) { return e.name == v.text; }))
        return bad("Value " + quoted(v.text) + " does not exist in " + quoted(t->name) + " enum.");
      return;
    }
    // Scalars: the built-ins check their literals; a custom scalar takes any.
    if (t->name == "Int") {
      if (v.kind != Value::Kind::int_) return bad("Int cannot represent non-integer value: " + print(v));
      std::int64_t n = 0;
      const auto* end = v.text.data() + v.text.size();
      const auto r = std::from_chars(v.text.data(), end, n);
      if (r.ec != std::errc() || r.ptr != end || n < INT32_MIN || n > INT32_MAX)
        return bad("Int cannot represent non 32-bit signed integer value: " + v.text);
    } else if (t->name == "Float") {
      if (v.kind != Value::Kind::int_ && v.kind != Value::Kind::float_)
        return bad("Float cannot represent non numeric value: " + print(v));
    } else if (t->name == "String") {
      if (v.kind != Value::Kind::string) return bad("String cannot represent a non string value: " + print(v));
    } else if (t->name == "Boolean") {
      if (v.kind != Value::Kind::boolean) return bad("Boolean cannot represent a non boolean value: " + print(v));
    } else if (t->name == "ID") {
      if (v.kind != Value::Kind::string && v.kind != Value::Kind::int_)
        return bad("ID cannot represent a non-string and non-integer value: " + print(v));
    }
  }

  // ------------------------------------------------------------ subscriptions (5.2.3.1)

  void single_root_field(const Operation& op) {
    std::vector<const Selection*> fields;
    std::set<std::string> visited;
    std::function<void(const SelectionSet&)> collect = [&](const SelectionSet& set) {
      for (const auto& s : set.selections) {
        if (skipped(s.directives)) continue;
        if (s.kind == Selection::Kind::field) {
          if (std::none_of(fields.begin(), fields.end(),
                           [&](const Selection* f) { return f->response_key() == s.response_key(); }))
            fields.push_back(&s);
        } else if (s.kind == Selection::Kind::inline_fragment) {
          collect(s.selection_set);
        } else if (visited.insert(s.name).second) {
          if (const auto it = fragments_.find(s.name); it != fragments_.end()) collect(it->second->selection_set);
        }
      }
    };
    collect(op.selection_set);
    const std::string who = op.name.empty() ? "Anonymous Subscription" : "Subscription " + quoted(op.name);
    if (fields.size() > 1) {
      std::vector<Location> locs;
      for (std::size_t i = 1; i < fields.size(); ++i) locs.push_back(fields[i]->loc);
      error(who + " must select only one top level field.", locs);
    }
    for (const auto* f : fields)
      if (f->name.rfind("__", 0) == 0) error(who + " must not select an introspection top level field.", {f->loc});
  }

  // @skip(if: true) or @include(if: false) with a literal: left out when fields are collected
  // without variables (graphql-js's collectFields, as the subscription rule uses it).
  static bool skipped(const std::vector<Directive>& ds) {
    for (const auto& d : ds)
      for (const auto& a : d.arguments)
        if (a.name == "if" && a.value.kind == Value::Kind::boolean &&
            ((d.name == "skip" && a.value.boolean) || (d.name == "include" && !a.value.boolean)))
          return true;
    return false;
  }

  // ------------------------------------------------------------ fragments as a whole (5.5.1.4, 5.5.2.2)

  void unused_fragments() {
    for (const auto& f : doc_.fragments)
      if (!used_fragments_.contains(f.name)) error("Fragment " + quoted(f.name) + " is never used.", {f.loc});
  }

  void fragment_cycles() {
    std::set<std::string> done;
    std::vector<std::string> path;
    std::set<std::string> on_path;
    std::function<void(const std::string&)> visit = [&](const std::string& name) {
      if (done.contains(name)) return;
      const auto it = fragment_uses_.find(name);
      if (it == fragment_uses_.end()) return;
      path.push_back(name);
      on_path.insert(name);
      for (const auto& next : it->second.spreads) {
        if (on_path.contains(next)) {
          const auto from = std::find(path.begin(), path.end(), next);
          std::string via;
          for (auto p = from + 1; p != path.end(); ++p) via += (via.empty() ? " via " : ", ") + quoted(*p);
          error("Cannot spread fragment " + quoted(next) + " within itself" + via + ".", {fragments_.at(next)->loc});
          continue;
        }
        visit(next);
      }
      on_path.erase(name);
      path.pop_back();
      done.insert(name);
    };
    for (const auto& f : doc_.fragments) visit(f.name);
  }

  // ------------------------------------------------------------ fields that must merge (5.3.2)

  struct Collected {
    const Selection* field;
    const TypeDefinition* parent;
    const FieldDefinition* def;
  };
  using FieldMap = std::map<std::string, std::vector<Collected>>;

  void collect(const SelectionSet& set, const TypeDefinition* parent, FieldMap& out, std::set<std::string>& visited) {
    for (const auto& s : set.selections) {
      if (s.kind == Selection::Kind::field) {
        out[s.response_key()].push_back(
            {&s, parent,
             parent != nullptr && Schema::is_composite(*parent) ? schema_.field(*parent, s.name) : nullptr});
      } else if (s.kind == Selection::Kind::inline_fragment) {
        const auto* t = s.type_condition.empty() ? parent : schema_.type(s.type_condition);
        collect(s.selection_set, t, out, visited);
      } else if (visited.insert(s.name).second) {
        if (const auto it = fragments_.find(s.name); it != fragments_.end())
          collect(it->second->selection_set, schema_.type(it->second->type_condition), out, visited);
      }
    }
  }

  void fields_can_merge(const SelectionSet& set, const TypeDefinition* parent) {
    FieldMap fields;
    std::set<std::string> visited;
    collect(set, parent, fields, visited);
    for (const auto& [key, list] : fields)
      for (std::size_t i = 0; i < list.size(); ++i)
        for (std::size_t j = i + 1; j < list.size(); ++j) {
          const auto why = conflict(list[i], list[j], false);
          if (!why.empty() && reported_.insert({list[i].field, list[j].field}).second)
            error("Fields " + quoted(key) + " conflict because " + why +
                      ". Use different aliases on the fields to fetch both if this was intentional.",
                  {list[i].field->loc, list[j].field->loc});
        }
  }

  // Why two fields of one response key cannot merge ("" if they can). Subfields are compared
  // through fragments, so a fragment that spreads itself under a field would recurse forever:
  // below kMaxMergeDepth levels the document is refused as too complex (one with such a cycle is
  // invalid anyway).
  std::string conflict(const Collected& a, const Collected& b, bool exclusive, int depth = 0) {
    static constexpr int kMaxMergeDepth = 128;
    if (++comparisons_ > limits_.max_merge_comparisons || depth > kMaxMergeDepth) {
      if (!too_complex_) error("The document is too complex to validate (fields to merge).", {a.field->loc});
      too_complex_ = true;
      return {};
    }
    if (too_complex_) return {};
    exclusive = exclusive || (a.parent != b.parent && a.parent != nullptr && b.parent != nullptr &&
                              a.parent->kind == Kind::object && b.parent->kind == Kind::object);
    if (!exclusive) {
      if (a.field->name != b.field->name)
        return quoted(a.field->name) + " and " + quoted(b.field->name) + " are different fields";
      if (!same_arguments(a.field->arguments, b.field->arguments)) return "they have differing arguments";
    }
    if (a.def != nullptr && b.def != nullptr && types_conflict(a.def->type, b.def->type))
      return "they return conflicting types " + quoted(a.def->type.text()) + " and " + quoted(b.def->type.text());
    if (a.field->has_selection_set && b.field->has_selection_set) {
      FieldMap fa, fb;
      std::set<std::string> va, vb;
      collect(a.field->selection_set, a.def != nullptr ? schema_.named(a.def->type) : nullptr, fa, va);
      collect(b.field->selection_set, b.def != nullptr ? schema_.named(b.def->type) : nullptr, fb, vb);
      for (const auto& [key, la] : fa) {
        const auto lb = fb.find(key);
        if (lb == fb.end()) continue;
        for (const auto& x : la)
          for (const auto& y : lb->second) {
            const auto why = conflict(x, y, exclusive, depth + 1);
            if (!why.empty()) return "subfields " + quoted(key) + " conflict because " + why;
          }
      }
    }
    return {};
  }

  bool types_conflict(const TypeRef& a, const TypeRef& b) const {
    if (a.kind == TypeRef::Kind::list) return b.kind != TypeRef::Kind::list || types_conflict(*a.of, *b.of);
    if (b.kind == TypeRef::Kind::list) return true;
    if (a.kind == TypeRef::Kind::non_null) return b.kind != TypeRef::Kind::non_null || types_conflict(*a.of, *b.of);
    if (b.kind == TypeRef::Kind::non_null) return true;
    const auto* ta = schema_.type(a.name);
    const auto* tb = schema_.type(b.name);
    if ((ta != nullptr && Schema::is_leaf(*ta)) || (tb != nullptr && Schema::is_leaf(*tb))) return a.name != b.name;
    return false;
  }

  const Schema& schema_;
  const Document& doc_;
  const ValidationLimits& limits_;
  std::map<std::string, const Fragment*> fragments_;
  std::map<std::string, Uses> fragment_uses_;
  std::set<std::string> used_fragments_;
  std::set<std::pair<const Selection*, const Selection*>> reported_;
  std::set<std::string> introspected_;  // fragments on the path introspection_too_deep follows
  std::size_t comparisons_ = 0;
  bool too_complex_ = false;
  std::vector<GraphqlError> errors_;
};

}  // namespace

std::vector<GraphqlError> validate(const Schema& schema, const Document& doc, const ValidationLimits& limits) {
  return Validator(schema, doc, limits).run();
}

}  // namespace arena::graphql

namespace arena::graphql {
namespace {

// Walks an operation as it will run (fragments expanded), counting what the limits bound; it
// stops expanding once the complexity is past its limit, so the walk itself stays small.
class Cost {
 public:
  Cost(const Schema& schema, const Document& doc, const RequestLimits& limits,
       const std::map<std::string, std::int64_t>& vars)
      : schema_(schema), limits_(limits), vars_(vars) {
    for (const auto& f : doc.fragments) fragments_.emplace(f.name, &f);
  }

  // `page`: the set selects in a field sized by its first/limit (a connection), whose lists
  // (edges, nodes) hold that many items and are not counted again.
  void walk(const SelectionSet& set, const TypeDefinition* parent, int level, std::int64_t times, bool page = false) {
    for (const auto& s : set.selections) {
      if (complexity > limits_.max_complexity) return;
      switch (s.kind) {
        case Selection::Kind::field: field(s, parent, level, times, page); break;
        case Selection::Kind::inline_fragment:
          walk(s.selection_set, s.type_condition.empty() ? parent : schema_.type(s.type_condition), level, times, page);
          break;
        case Selection::Kind::fragment_spread: {
          const auto it = fragments_.find(s.name);
          if (it == fragments_.end() || !path_.insert(s.name).second) break;
          walk(it->second->selection_set, schema_.type(it->second->type_condition), level, times, page);
          path_.erase(s.name);
          break;
        }
      }
    }
  }

  int depth = 0;
  int aliases = 0;
  std::int64_t complexity = 0;
  Location deepest, aliased, costliest;

 private:
  void field(const Selection& f, const TypeDefinition* parent, int level, std::int64_t times, bool page) {
    if (!f.alias.empty() && ++aliases == limits_.max_aliases + 1) aliased = f.loc;
    if (!introspection_) complexity += times;
    if (complexity > limits_.max_complexity && costliest.line == 0) costliest = f.loc;
    if (level + 1 > depth) {
      depth = level + 1;
      if (depth == limits_.max_depth + 1) deepest = f.loc;
    }
    if (!f.has_selection_set) return;
    // Introspection costs what the schema holds (bounded by validation's MaxIntrospectionDepth):
    // its depth and aliases count, its fields do not.
    if (f.name == "__schema" || f.name == "__type") {
      const bool was = std::exchange(introspection_, true);
      walk(f.selection_set, schema_.type(f.name == "__schema" ? "__Schema" : "__Type"), level + 1, times);
      introspection_ = was;
      return;
    }
    const FieldDefinition* def = parent != nullptr ? schema_.field(*parent, f.name) : nullptr;
    std::int64_t n = 1;
    bool counted = false;
    for (const auto& a : f.arguments) {
      if (a.name != "first" && a.name != "limit") continue;
      if (a.value.kind == Value::Kind::int_) {
        n = std::strtoll(a.value.text.c_str(), nullptr, 10);
        counted = true;
      } else if (a.value.kind == Value::Kind::variable) {
        if (const auto v = vars_.find(a.value.text); v != vars_.end()) {
          n = v->second;
          counted = true;
        }
      }
    }
    bool list = false;
    for (const TypeRef* t = def != nullptr ? &def->type : nullptr; t != nullptr && t->kind != TypeRef::Kind::named;
         t = t->of.get())
      list = list || t->kind == TypeRef::Kind::list;
    if (!counted) n = list && !page ? 20 : 1;
    n = std::clamp<std::int64_t>(n, 1, 100);
    walk(f.selection_set, def != nullptr ? schema_.named(def->type) : nullptr, level + 1,
         std::min<std::int64_t>(times * n, limits_.max_complexity + 1), counted && !list);
  }

  const Schema& schema_;
  const RequestLimits& limits_;
  const std::map<std::string, std::int64_t>& vars_;
  std::map<std::string, const Fragment*> fragments_;
  std::set<std::string> path_;
  bool introspection_ = false;
};

}  // namespace

std::vector<GraphqlError> check_limits(const Schema& schema, const Document& doc, const Operation& op,
                                       const RequestLimits& limits, const std::map<std::string, std::int64_t>& vars) {
  Cost cost(schema, doc, limits, vars);
  cost.walk(op.selection_set, schema.root(op.kind), 0, 1);
  std::vector<GraphqlError> out;
  if (cost.depth > limits.max_depth)
    out.push_back({"The query nests fields " + std::to_string(cost.depth) + " deep; the limit is " +
                       std::to_string(limits.max_depth) + ".",
                   {cost.deepest}});
  if (cost.aliases > limits.max_aliases)
    out.push_back({"The query has " + std::to_string(cost.aliases) + " aliases; the limit is " +
                       std::to_string(limits.max_aliases) + ".",
                   {cost.aliased}});
  if (cost.complexity > limits.max_complexity)
    out.push_back({"The query would resolve more than " + std::to_string(limits.max_complexity) +
                       " fields (lists counted by their first or limit, 20 when not given); ask for less.",
                   {cost.costliest}});
  return out;
}

}  // namespace arena::graphql
