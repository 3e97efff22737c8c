// GraphQL execution held to graphql-js 16: every request of the corpus, run over the same schema
// and root value (no resolvers: values as they are, abstract types by __typename), gets the same
// response from Arena's executor as from graphql-js's graphql(): data, and errors with their
// messages, locations and paths. Then introspection: graphql-js's own introspection query run by
// Arena, rebuilt into a schema with buildClientSchema, prints as the schema's SDL does.
//   node graphql-execution-corpus.mjs <graphql_parse_verdicts binary> <schema.graphql> <root.json> <corpus.json>
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  graphqlSync,
  lexicographicSortSchema,
  printSchema,
} from "graphql";
import { same } from "./canonical-json.mjs";

const [helper, schemaPath, rootPath, corpusPath] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaPath, "utf8"));
const root = JSON.parse(readFileSync(rootPath, "utf8"));
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const run = (path) =>
  JSON.parse(
    execFileSync(helper, ["--execute", schemaPath, rootPath, path], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    }),
  );


const arena = run(corpusPath);
let problems = 0;
corpus.forEach((request, i) => {
  const want = JSON.parse(
    JSON.stringify(
      graphqlSync({
        schema,
        source: request.query,
        rootValue: root,
        variableValues: request.variables,
        operationName: request.operationName,
      }),
    ),
  );
  const got = arena[i];
  // A request refused before it ran: the same refusal (messages of syntax and validation
  // errors may differ in graphql-js's "Did you mean" suggestions; their presence must agree).
  if (!("data" in want) || !("data" in got)) {
    if ("data" in want !== "data" in got || (want.errors ?? []).length !== (got.errors ?? []).length) {
      ++problems;
      console.error(`#${i} ${request.query}\n  graphql-js: ${JSON.stringify(want)}\n  Arena:      ${JSON.stringify(got)}`);
    }
    return;
  }
  if (!same(want, got)) {
    ++problems;
    console.error(`#${i} ${request.query}\n  graphql-js: ${JSON.stringify(canonical(want))}\n  Arena:      ${JSON.stringify(canonical(got))}`);
  }
});

// Introspection, whole.
const dir = mkdtempSync(join(tmpdir(), "arena-graphql-"));
let introspected;
try {
  const file = join(dir, "introspection.json");
  writeFileSync(file, JSON.stringify([{ query: getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true }) }]));
  introspected = run(file)[0];
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (introspected.errors) {
  ++problems;
  console.error(`introspection failed: ${JSON.stringify(introspected.errors)}`);
} else {
  const printed = printSchema(lexicographicSortSchema(buildClientSchema(introspected.data)));
  const expected = printSchema(lexicographicSortSchema(schema));
  if (printed !== expected) {
    ++problems;
    console.error(`introspection rebuilds another schema:\n--- Arena\n${printed}\n--- the SDL\n${expected}`);
  }
}
console.log(`graphql execution corpus: ${corpus.length} requests and the introspection query, ${problems} disagreements with graphql-js`);
process.exit(problems === 0 ? 0 : 1);
