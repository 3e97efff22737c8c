// Checks that every metric an alert rule or a Grafana dashboard queries is one Arena serves.
//   node check-metric-names.mjs METRICS_TEXT FILE...
// METRICS_TEXT is a server's /metrics output (Prometheus text format); each FILE is a rule file
// (.yml/.yaml: every rule's `expr`) or a dashboard (.json: every panel target's `expr`). Each
// expression is parsed with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql); a
// selector's metric name must be a family the server declares (a histogram's _bucket/_sum/_count
// included), a series Prometheus makes itself (`up`, ...) or a rule's `record`; a label matcher's
// label must be one of the metric's labels, or one a scrape adds (job, instance, role). A syntax
// error fails too. Prints each problem as FILE: NAME (where) and exits 1 if there was any.
import fs from "node:fs";
import { parser } from "@prometheus-io/lezer-promql";
import YAML from "yaml";

const [metricsFile, ...files] = process.argv.slice(2);
if (!metricsFile || files.length === 0) {
  console.error("usage: check-metric-names.mjs METRICS_TEXT FILE...");
  process.exit(2);
}

// name -> set of label names seen on its samples (empty for a family without samples yet)
const served = new Map();
const labelsOf = (name) => served.get(name) ?? served.set(name, new Set()).get(name);
for (const line of fs.readFileSync(metricsFile, "utf8").split("\n")) {
  const type = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/);
  if (type) {
    const [, name, kind] = type;
    labelsOf(name);
    const parts = kind === "histogram" ? ["_bucket", "_sum", "_count"] : kind === "summary" ? ["_sum", "_count"] : [];
    for (const suffix of parts) labelsOf(name + suffix);
    continue;
  }
  const sample = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})?\s/);
  if (!sample) continue;
  const labels = labelsOf(sample[1]);
  for (const m of (sample[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) labels.add(m[1]);
}
if (served.size === 0) {
  console.error(`check-metric-names: ${metricsFile} holds no metrics`);
  process.exit(2);
}
const scrapeLabels = new Set(["job", "instance", "role", "__name__"]);
const prometheusOwn = new Set(["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"]);

// [where, expr] of every query in a file, and the names its recording rules define.
function queries(file) {
  const text = fs.readFileSync(file, "utf8");
  const out = [];
  const recorded = new Set();
  if (file.endsWith(".json")) {
    const walk = (panels = []) => {
      for (const p of panels) {
        for (const t of p.targets ?? []) if (t.expr) out.push([`panel "${p.title}" ${t.refId}`, t.expr]);
        walk(p.panels);
      }
    };
    walk(JSON.parse(text).panels);
  } else {
    for (const group of YAML.parse(text)?.groups ?? [])
      for (const rule of group.rules ?? []) {
        if (rule.record) recorded.add(rule.record);
        out.push([`${rule.alert ? "alert" : "rule"} ${rule.alert ?? rule.record}`, String(rule.expr)]);
      }
  }
  return { out, recorded };
}

// Grafana's variables stand in for a duration or a value; PromQL does not know them.
const grafanaVars = (expr) => expr.replace(/\$__(rate_interval|interval|range)/g, "5m").replace(/\$\{?\w+\}?/g, "x");

const problems = [];
const parsed = files.map((file) => ({ file, ...queries(file) }));
const recordedAnywhere = new Set(parsed.flatMap((p) => [...p.recorded]));
let checked = 0;
for (const { file, out } of parsed) {
  if (out.length === 0) problems.push(`${file}: no queries found`);
  for (const [where, rawExpr] of out) {
    const expr = grafanaVars(rawExpr);
    const tree = parser.parse(expr);
    const text = (node) => expr.slice(node.from, node.to);
    tree.iterate({
      enter(node) {
        if (node.type.isError) {
          problems.push(`${file}: syntax error at "${expr.slice(node.from, node.from + 20)}" (${where})`);
          return false;
        }
        if (node.name !== "VectorSelector") return undefined;
        const id = node.node.getChild("Identifier");
        const name = id ? text(id) : null;
        checked++;
        if (name && !served.has(name) && !prometheusOwn.has(name) && !recordedAnywhere.has(name)) {
          problems.push(`${file}: ${name} is not served by Arena (${where})`);
          return false;
        }
        const labels = name ? served.get(name) : null;
        if (!labels || labels.size === 0) return false;  // no samples to learn its labels from
        const matchers = node.node.getChild("LabelMatchers");
        for (let m = matchers?.firstChild; m; m = m.nextSibling) {
          const label = m.getChild("LabelName");
          if (label && !labels.has(text(label)) && !scrapeLabels.has(text(label)))
            problems.push(`${file}: ${name} has no label ${text(label)} (${where})`);
        }
        return false;
      },
    });
  }
}
for (const p of problems) console.error(p);
console.log(`check-metric-names: ${checked} selectors in ${files.length} files, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
