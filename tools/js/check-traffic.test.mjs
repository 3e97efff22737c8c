// The traffic check must refuse what the document does not allow: each exchange below alone in a
// record fails it, with a message that says why; a good one passes. (ctest: OpenApi.TheTrafficCheck...)
//   node check-traffic.test.mjs <openapi.json>
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const doc = process.argv[2];
const checker = join(dirname(fileURLToPath(import.meta.url)), "check-traffic.mjs");
const error = (code) => JSON.stringify({ error: { code, message: "m" } });
const account = { user_id: "u", kind: "guest", display_name: "A", created_at: 1, updated_at: 1 };
const json = "application/json";

function run(exchanges, flags = []) {
  const dir = mkdtempSync(join(tmpdir(), "arena-traffic-"));
  try {
    writeFileSync(join(dir, "1.jsonl"), exchanges.map((x) => JSON.stringify({ size: x.body?.length ?? 0, ...x })).join("\n") + "\n");
    execFileSync(process.execPath, [checker, doc, dir, ...flags], { stdio: "pipe" });
    return { ok: true, output: "" };
  } catch (e) {
    return { ok: false, output: `${e.stdout}${e.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const refused = [
  ["an undocumented status", { method: "GET", target: "/v1/account", status: 418, content_type: json, body: error("internal") }, "not documented"],
  ["a body without a required field", { method: "GET", target: "/v1/account", status: 200, content_type: json, body: JSON.stringify({ ...account, kind: undefined }) }, "does not match"],
  ["a body with a field the schema does not have", { method: "GET", target: "/v1/account", status: 200, content_type: json, body: JSON.stringify({ ...account, secret: 1 }) }, "does not match"],
  ["an error code the response does not list", { method: "GET", target: "/v1/account", status: 401, content_type: json, body: error("email_taken") }, "does not match"],
  ["another content type", { method: "GET", target: "/healthz", status: 200, content_type: "text/plain", body: "ok" }, "came as 'text/plain'"],
  ["a success on no route", { method: "GET", target: "/v1/nowhere", status: 200, content_type: json, body: "{}" }, "no documented operation"],
  ["a body where none is documented", { method: "POST", target: "/v1/auth/logout", status: 204, content_type: json, body: "{}" }, "has a body"],
];
let failures = 0;
for (const [what, exchange, says] of refused) {
  const r = run([exchange]);
  if (r.ok || !r.output.includes(says)) {
    console.error(`not refused as it should be: ${what}\n${r.output}`);
    ++failures;
  }
}
const good = { method: "GET", target: "/v1/account", status: 200, content_type: json, body: JSON.stringify(account) };
const edge = { method: "GET", target: "/v1/players/x", status: 404, content_type: json, body: error("not_found") };
if (!run([good, edge]).ok) {
  console.error("a documented answer and an edge's answer were refused");
  ++failures;
}
const coverage = run([good], ["--require-coverage"]);
if (coverage.ok || !coverage.output.includes("never exercised")) {
  console.error("--require-coverage passed with one exchange");
  ++failures;
}
if (failures > 0) process.exit(1);
console.log(`traffic check: ${refused.length} kinds of bad answer refused, good ones passed, coverage enforced`);
