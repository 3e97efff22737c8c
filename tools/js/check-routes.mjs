// Checks that the front doors of the deployment send every route of the API to a role that serves
// it: for each path and method of api/openapi.json, the role the Compose front door
// (deploy/nginx/arena.conf: its upstreams are named by role) and the chart's Ingress (rendered)
// route it to is asked, live, and must not answer 404 `not_found` (no such route) or 405.
//   node check-routes.mjs OPENAPI --nginx CONF --ingress RENDERED.yaml --role ROLE=http://127.0.0.1:PORT ...
// The role processes are started by tests/deploy_pgtest.cpp, each with only its role.
import fs from "node:fs";
import YAML from "yaml";
import { takeOption } from "./options.mjs";

const args = process.argv.slice(2);
const [nginxFile] = takeOption(args, "--nginx");
const [ingressFile] = takeOption(args, "--ingress");
const roles = Object.fromEntries(takeOption(args, "--role").map((r) => r.split(/=(.*)/s).slice(0, 2)));
const [openapiFile] = args;
if (!openapiFile || !nginxFile || !ingressFile || Object.keys(roles).length === 0) {
  console.error("usage: check-routes.mjs OPENAPI --nginx CONF --ingress RENDERED.yaml --role ROLE=URL ...");
  process.exit(2);
}
const problems = [];

// nginx: `location = P` (exact) and `location P` (longest prefix), each with `proxy_pass http://ROLE`.
const nginx = [...fs.readFileSync(nginxFile, "utf8").matchAll(/location\s+(=\s*)?(\S+)\s*\{[^}]*?proxy_pass\s+http:\/\/([\w-]+)/g)]
  .map(([, exact, path, role]) => ({ exact: Boolean(exact), path, role }));
if (nginx.length === 0) problems.push(`${nginxFile}: no locations with proxy_pass`);
function nginxRole(path) {
  const exact = nginx.find((l) => l.exact && l.path === path);
  if (exact) return exact.role;
  const prefixes = nginx.filter((l) => !l.exact && path.startsWith(l.path)).sort((a, b) => b.path.length - a.path.length);
  return prefixes[0]?.role;
}

// Ingress: Exact, or Prefix by whole path elements (the longest wins); backend `<release>-<role>`.
const ingress = YAML.parseAllDocuments(fs.readFileSync(ingressFile, "utf8"))
  .map((d) => d.toJSON())
  .filter((d) => d?.kind === "Ingress")
  .flatMap((ing) => (ing.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []))
  .map((p) => ({ exact: p.pathType === "Exact", path: p.path, role: p.backend.service.name.split("-").pop() }));
if (ingress.length === 0) problems.push(`${ingressFile}: no Ingress paths`);
function ingressRole(path) {
  const exact = ingress.find((p) => p.exact && p.path === path);
  if (exact) return exact.role;
  const under = (prefix) => prefix === "/" || path === prefix || path.startsWith(`${prefix.replace(/\/$/, "")}/`);
  return ingress.filter((p) => !p.exact && under(p.path)).sort((a, b) => b.path.length - a.path.length)[0]?.role;
}

const doc = JSON.parse(fs.readFileSync(openapiFile, "utf8"));
let asked = 0;
for (const [template, item] of Object.entries(doc.paths ?? {})) {
  // Each parameter as its example (a file that exists), else "x" (a route answers its own 404 for it).
  const params = [...(item.parameters ?? []), ...Object.values(item).flatMap((op) => op?.parameters ?? [])];
  const path = template.replace(/\{([^}]+)\}/g, (_, name) => params.find((p) => p.name === name)?.example ?? "x");
  for (const method of Object.keys(item).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))) {
    for (const [door, role] of [["nginx", nginxRole(path)], ["ingress", ingressRole(path)]]) {
      const base = roles[role];
      if (!role) {
        problems.push(`${door}: ${method.toUpperCase()} ${template} is routed nowhere`);
        continue;
      }
      if (!base) {
        problems.push(`${door}: ${method.toUpperCase()} ${template} goes to ${role}, which is no role given`);
        continue;
      }
      const res = await fetch(base + path, {
        method: method.toUpperCase(),
        headers: { "Content-Type": "application/json" },
        body: ["post", "put", "patch"].includes(method) ? "{}" : undefined,
      });
      asked++;
      const body = await res.text();
      let code = "";
      try {
        code = JSON.parse(body).error?.code ?? "";
      } catch {
        // not JSON (a page, a file): not a routing refusal
      }
      if ((res.status === 404 && code === "not_found") || res.status === 405)
        problems.push(`${door}: ${method.toUpperCase()} ${template} goes to ${role}, which answers ${res.status} ${code}`);
    }
  }
}
for (const p of problems) console.error(p);
console.log(`check-routes: ${asked} requests to ${Object.keys(roles).length} roles, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
