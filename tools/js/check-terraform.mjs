// Checks the Terraform in infra/ offline (Terraform's providers cannot be fetched here, so
// `terraform validate` cannot run): each file parses as HCL (@cdktf/hcl2json, HashiCorp's own HCL
// parser built for Node);
// every `var.X` a module uses is a variable it declares; every module call passes only variables
// the module declares and every variable without a default; each `set`/`set_sensitive` of a
// helm_release names a path of the chart's values.yaml (`${...}` parts match any key); a `roles`
// local lists exactly the chart's roles.
//   node check-terraform.mjs INFRA_DIR CHART_DIR
import fs from "node:fs";
import path from "node:path";
import { parse } from "@cdktf/hcl2json";
import YAML from "yaml";

const [infraDir, chartDir] = process.argv.slice(2);
if (!infraDir || !chartDir) {
  console.error("usage: check-terraform.mjs INFRA_DIR CHART_DIR");
  process.exit(2);
}
const values = YAML.parse(fs.readFileSync(path.join(chartDir, "values.yaml"), "utf8"));
const problems = [];

// A module directory: its .tf files parsed, the variables it declares and the var.X it uses.
async function load(dir) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".tf"));
  if (files.length === 0) problems.push(`${dir}: no .tf files`);
  const blocks = [];
  for (const f of files) {
    try {
      blocks.push(await parse(f, fs.readFileSync(path.join(dir, f), "utf8")));
    } catch (e) {
      problems.push(`${path.join(dir, f)}: ${e.message ?? e}`);
    }
  }
  const variables = new Map();
  for (const b of blocks)
    for (const [name, [v]] of Object.entries(b.variable ?? {})) variables.set(name, v ?? {});
  const used = new Set(JSON.stringify(blocks).match(/\bvar\.[A-Za-z_][\w-]*/g)?.map((s) => s.slice(4)));
  for (const name of used) if (!variables.has(name)) problems.push(`${dir}: var.${name} is not declared`);
  return { dir, blocks, variables };
}

const wildcard = (s) => s.replace(/\$\{[^}]*\}/g, "*");
// Does `segments` (a helm --set path) name something in `obj`?
function inValues(obj, segments) {
  if (segments.length === 0) return true;
  if (obj === null || typeof obj !== "object") return false;
  const [seg, ...rest] = segments;
  if (seg === "*") return rest.length === 0 || Object.values(obj).some((child) => inValues(child, rest));
  return seg in obj && inValues(obj[seg], rest);
}
// Splits a --set name on dots that are not escaped (`settings.gateway\.resume_window`).
const setPath = (name) => name.split(/(?<!\\)\./).map((s) => s.replace(/\\\./g, "."));

const seen = new Set();
async function check(dir) {
  if (seen.has(path.resolve(dir))) return;
  seen.add(path.resolve(dir));
  const mod = await load(dir);
  for (const b of mod.blocks) {
    for (const [name, calls] of Object.entries(b.module ?? {}))
      for (const call of calls) {
        if (!call.source?.startsWith(".")) continue;
        const target = path.join(dir, call.source);
        const callee = await load(target);
        const meta = new Set(["source", "version", "providers", "depends_on", "count", "for_each"]);
        for (const arg of Object.keys(call))
          if (!meta.has(arg) && !callee.variables.has(arg))
            problems.push(`${dir}: module ${name} passes ${arg}, which ${call.source} does not declare`);
        for (const [v, decl] of callee.variables)
          if (!("default" in decl) && !(v in call)) problems.push(`${dir}: module ${name} does not pass ${v}, which has no default`);
        await check(target);
      }
    for (const releases of Object.values(b.resource?.helm_release ?? {}))
      for (const r of releases) {
        const sets = [...(r.set ?? []), ...(r.set_sensitive ?? [])];
        for (const dyn of Object.values(r.dynamic ?? {})) for (const d of dyn) sets.push(...(d.content ?? []));
        if (sets.length === 0) problems.push(`${dir}: a helm_release sets nothing`);
        for (const s of sets)
          if (!inValues(values, setPath(wildcard(s.name))))
            problems.push(`${dir}: helm_release sets ${s.name}, which is not in ${chartDir}/values.yaml`);
      }
    for (const locals of b.locals ?? [])
      if (Array.isArray(locals.roles)) {
        const want = Object.keys(values.roles ?? {}).sort().join(",");
        if ([...locals.roles].sort().join(",") !== want)
          problems.push(`${dir}: local roles ${locals.roles.join(",")} are not the chart's roles ${want}`);
      }
  }
}

await check(infraDir);
for (const p of problems) console.error(p);
console.log(`check-terraform: ${seen.size} modules, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
