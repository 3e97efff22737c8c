// GraphQL validation held to graphql-js 16 (the October 2021 spec): every document of the corpus
// gets the same verdict (valid or not), and as many errors, from Arena's parser and validator as
// from graphql-js's parse and validate with all its specified rules, against the same schema;
// and every rule is broken by at least one document of the corpus, so none goes untested.
//   node graphql-validation-corpus.mjs <graphql_parse_verdicts binary> <schema.graphql> <corpus.json>
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { GraphQLError, buildSchema, parse, specifiedRules, validate } from "graphql";

const [helper, schemaPath, corpusPath] = process.argv.slice(2);
const schema = buildSchema(readFileSync(schemaPath, "utf8"));
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const arena = JSON.parse(
  execFileSync(helper, ["--validate", schemaPath, corpusPath], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }),
);

const broken = new Map(specifiedRules.map((rule) => [rule.name, 0]));
let problems = 0;
let invalid = 0;
corpus.forEach((source, i) => {
  let reference;
  try {
    const doc = parse(source);
    const errors = validate(schema, doc);
    reference = { ok: errors.length === 0, errors: errors.map((e) => e.message) };
    for (const rule of specifiedRules)
      if (validate(schema, doc, [rule]).length > 0) broken.set(rule.name, broken.get(rule.name) + 1);
  } catch (e) {
    if (!(e instanceof GraphQLError)) throw e;
    reference = { ok: false, errors: [e.message] };
  }
  if (!reference.ok) ++invalid;
  const got = arena[i];
  // The same verdict; for a document both parse, as many errors (the messages are graphql-js's
  // but for its "Did you mean" suggestions).
  const counted = got.errors !== undefined && reference.errors.length !== got.errors.length;
  if (reference.ok !== got.ok || counted) {
    ++problems;
    console.error(
      `#${i} ${JSON.stringify(source).slice(0, 100)}\n  graphql-js: ${reference.ok ? "valid" : reference.errors.join(" | ")}\n` +
        `  Arena:      ${got.ok ? "valid" : (got.errors ?? [got.message]).join(" | ")}`,
    );
  }
});
const untested = [...broken].filter(([, n]) => n === 0).map(([name]) => name);
console.log(
  `graphql validation corpus: ${corpus.length} documents (${invalid} invalid), ${problems} disagreements with graphql-js; ` +
    `rules broken: ${[...broken].map(([name, n]) => `${name.replace(/Rule$/, "")} ${n}`).join(", ")}`,
);
if (untested.length > 0) console.error(`no document breaks: ${untested.join(", ")}`);
process.exit(problems === 0 && untested.length === 0 ? 0 : 1);
