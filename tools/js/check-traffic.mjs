// Holds api/openapi.json to live traffic: every exchange the test clients recorded
// (OPENAPI_TRAFFIC_DIR, src/testing/http_capture.cpp) must be a documented (path, method, status)
// whose body matches the documented schema (Ajv, JSON Schema 2020-12), and with --require-coverage
// every documented (path, method, status) must have been seen at least once.
//
//   node check-traffic.mjs <openapi.json> <capture dir> [--require-coverage]
//
// The edge's own answers (x-arena-any-route: no route here, a method the path lacks, malformed
// HTTP, limits) may come on any request, and are all that is checked of raw exchanges (method
// RAW: bytes written as they are, by the framing tests). HEAD is checked as GET, without a body.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const [docPath, captureDir, ...flags] = process.argv.slice(2);
if (!docPath || !captureDir) {
  console.error("usage: node check-traffic.mjs <openapi.json> <capture dir> [--require-coverage]");
  process.exit(2);
}
const requireCoverage = flags.includes("--require-coverage");
const doc = JSON.parse(readFileSync(docPath, "utf8"));
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

// Component schemas become one schema's $defs, so that every $ref resolves inside Ajv.
const retarget = (value) =>
  JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"arena-components#/$defs/'));
// Strict about keywords (a typo in the document fails); the document leaves `type` to the
// referenced schemas in its allOf pieces, and names unions of types.
const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true });
addFormats(ajv);
ajv.addSchema({ $id: "arena-components", $defs: retarget(doc.components.schemas) });

const resolve = (obj) => {
  let o = obj;
  while (o && o.$ref) {
    const parts = o.$ref.replace(/^#\//, "").split("/").map((p) => p.replaceAll("~1", "/").replaceAll("~0", "~"));
    o = parts.reduce((at, key) => at[key], doc);
  }
  return o;
};

// Every operation: its path as a regular expression, and its responses by status.
const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  const names = [];
  const source = path.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{([^}]+)\}/g, (_, name) => {
    names.push(name);
    return "([^/]+)";
  });
  for (const method of methods) {
    if (!item[method]) continue;
    const responses = {};
    for (const [status, response] of Object.entries(item[method].responses)) {
      const r = resolve(response);
      const content = {};
      for (const [type, media] of Object.entries(r.content ?? {}))
        content[type] = media.schema ? ajv.compile(retarget(media.schema)) : null;
      responses[status] = { content };
    }
    operations.push({ path, method, regex: new RegExp(`^${source}$`), params: names.length, responses });
  }
}

// Answers of the HTTP edge that belong to no operation (x-arena-any-route): fine on any request.
const anyRoute = {};
for (const [status, response] of Object.entries(doc["x-arena-any-route"]?.responses ?? {}))
  anyRoute[status] = ajv.compile(retarget(response.content["application/json"].schema));
const problems = [];
const seen = new Set();
let exchanges = 0;

// The edge's own answer (x-arena-any-route) with this status and body, if it is one.
function edgeAnswer(x) {
  const edge = anyRoute[String(x.status)];
  if (!edge || x.body === undefined) return false;
  try {
    return edge(JSON.parse(x.body));
  } catch {
    return false;
  }
}

function check(x, where) {
  const [path] = x.target.split("?");
  const method = x.method.toLowerCase() === "head" ? "get" : x.method.toLowerCase();
  const candidates = operations.filter((o) => o.regex.test(path)).sort((a, b) => a.params - b.params);
  const op = x.method === "RAW" ? undefined : candidates.find((o) => o.method === method);
  if (!op?.responses[String(x.status)] && edgeAnswer(x)) {
    seen.add(`any route ${x.status}`);
    return;
  }
  if (x.method === "RAW") return;  // raw bytes (framing tests): only the edge's answers are theirs
  if (!op) {
    problems.push(`${where}: ${x.method} ${path} is no documented operation, and was answered ${x.status} ${x.body ?? ""}`);
    return;
  }
  const type = (x.content_type ?? "").split(";")[0].trim();
  const response = op.responses[String(x.status)];
  if (!response) {
    problems.push(`${where}: ${x.method} ${path} (${op.path}) answered ${x.status}, which is not documented: ${x.body ?? ""}`);
    return;
  }
  const exercised = `${op.path} ${op.method.toUpperCase()} ${x.status}`;
  if (x.method === "HEAD") return void seen.add(exercised);
  const types = Object.keys(response.content);
  if (types.length === 0) {
    if (x.size !== 0) problems.push(`${where}: ${x.method} ${path} ${x.status} has a body; none is documented`);
    return void seen.add(exercised);
  }
  if (!types.includes(type)) {
    problems.push(`${where}: ${x.method} ${path} ${x.status} came as '${type}', documented: ${types.join(", ")}`);
    return;
  }
  const validate = response.content[type];
  if (!validate || x.body === undefined) return void seen.add(exercised);  // not JSON: its type is what is checked
  let body;
  try {
    body = JSON.parse(x.body);
  } catch {
    problems.push(`${where}: ${x.method} ${path} ${x.status} is not JSON: ${x.body.slice(0, 200)}`);
    return;
  }
  if (validate(body)) return void seen.add(exercised);
  if (edgeAnswer(x)) return void seen.add(`any route ${x.status}`);  // a 404: this process lacks the role
  problems.push(
    `${where}: ${x.method} ${path} ${x.status} does not match ${op.path}'s schema: ` +
      `${ajv.errorsText(validate.errors)}\n    body: ${x.body.slice(0, 400)}`,
  );
}

for (const file of readdirSync(captureDir).filter((f) => f.endsWith(".jsonl")).sort()) {
  const lines = readFileSync(join(captureDir, file), "utf8").split("\n");
  lines.forEach((line, i) => {
    if (!line) return;
    ++exchanges;
    check(JSON.parse(line), `${file}:${i + 1}`);
  });
}

const documented = operations
  .flatMap((o) => Object.keys(o.responses).map((status) => `${o.path} ${o.method.toUpperCase()} ${status}`))
  .concat(Object.keys(anyRoute).map((status) => `any route ${status}`));
const missing = documented.filter((d) => !seen.has(d));
console.log(`openapi: ${exchanges} exchanges checked; ${documented.length - missing.length} of ${documented.length} documented (path, method, status) exercised`);
for (const m of missing) console.log(`  never exercised: ${m}`);
for (const p of problems.slice(0, 50)) console.error(`  ${p}`);
if (problems.length > 50) console.error(`  ... and ${problems.length - 50} more`);
if (exchanges === 0) {
  console.error("openapi: nothing was recorded (is OPENAPI_TRAFFIC_DIR set for the tests?)");
  process.exit(1);
}
if (problems.length > 0 || (requireCoverage && missing.length > 0)) {
  if (problems.length > 0) console.error(`openapi: ${problems.length} responses differ from the document`);
  if (requireCoverage && missing.length > 0) console.error(`openapi: ${missing.length} documented responses were never exercised`);
  process.exit(1);
}
