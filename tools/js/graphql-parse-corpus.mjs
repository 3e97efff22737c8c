// The GraphQL parser held to graphql-js 16 (the October 2021 spec): for every document of the
// corpus, Arena's parser (the helper binary's verdicts) and graphql-js must agree whether it is
// an executable document, and on a syntax error's message and location.
//   node graphql-parse-corpus.mjs <graphql_parse_verdicts binary> <corpus.json> [--schema]
// With --schema the documents are schemas (SDL): graphql-js must parse them to the same verdict.
// graphql-js parses type system definitions and refuses them in validation
// (ExecutableDefinitions); Arena's parser refuses them at once. Both say "invalid".
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { GraphQLError, buildSchema, parse, validate, ExecutableDefinitionsRule } from "graphql";

const [helper, corpusPath, mode] = process.argv.slice(2);
const schemaMode = mode === "--schema";
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const arena = JSON.parse(
  execFileSync(helper, schemaMode ? ["--schema", corpusPath] : [corpusPath], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }),
);
const schema = buildSchema("type Query { a: Int }");

function reference(source) {
  try {
    const doc = parse(source);
    if (schemaMode) {  // a schema: type system definitions only, no extensions
      const sdl = doc.definitions.every((d) => d.kind.endsWith("Definition") && !d.kind.startsWith("Operation") && d.kind !== "FragmentDefinition");
      return sdl ? { ok: true } : { ok: false, executable: false };
    }
    const errors = validate(schema, doc, [ExecutableDefinitionsRule]);
    return errors.length === 0 ? { ok: true } : { ok: false, executable: false };
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    return { ok: false, message: e.message, line: e.locations[0].line, column: e.locations[0].column };
  }
}

let problems = 0;
let invalid = 0;
corpus.forEach((source, i) => {
  const want = reference(source);
  const got = arena[i];
  const shown = JSON.stringify(source).slice(0, 80);
  if (!want.ok) ++invalid;
  if (want.ok !== got.ok) {
    console.error(`#${i} ${shown}: graphql-js says ${want.ok ? "valid" : want.message ?? "not executable"}, Arena ${got.ok ? "valid" : got.message}`);
    ++problems;
    return;
  }
  if (want.ok || want.executable === false) return;
  if (want.message !== got.message || want.line !== got.line || want.column !== got.column) {
    console.error(`#${i} ${shown}:\n  graphql-js: ${want.message} (${want.line}:${want.column})\n  Arena:      ${got.message} (${got.line}:${got.column})`);
    ++problems;
  }
});
console.log(`graphql ${schemaMode ? "schema" : "parse"} corpus: ${corpus.length} documents (${invalid} invalid), ${problems} disagreements with graphql-js`);
process.exit(problems === 0 ? 0 : 1);
