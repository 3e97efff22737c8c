// Checks Kubernetes manifests offline (scripts/check-deploy.sh runs it on the chart rendered by
// tools/helm-render):
//   node check-k8s-manifests.mjs MANIFESTS.yaml [--arena BIN] [--external-secret NAME]
// - each document against the Kubernetes API's schema for its apiVersion and kind (npm
//   kubernetes-models: types, required fields, enums, formats; prometheus-operator's CRDs from
//   @kubernetes-models/prometheus-operator); an unknown apiVersion/kind fails;
// - unknown fields (a misspelt `livenesProbe` passes a schema check) against the API's type map
//   (npm @kubernetes/client-node's models), for the built-in kinds;
// - references inside the stream: each Service, PodDisruptionBudget and ServiceMonitor selects
//   some pod template, each autoscaler names a Deployment, each Ingress backend a Service and port,
//   each configMapRef/secretRef/secretKeyRef an object of the stream (or one passed with
//   --external-secret NAME);
// - with --arena BIN: every Arena container's environment (its ConfigMap and Secret of the stream
//   resolved, a pod's name for a fieldRef, an external Secret's keys left out) names only settings
//   Arena knows and `arena config` accepts its values (tools/js/arena-env.mjs).
import fs from "node:fs";
import { createRequire } from "node:module";
import * as k8s from "@kubernetes/client-node";
import YAML from "yaml";
import { takeOption } from "./options.mjs";
import { checkArenaEnv, knownSettings } from "./arena-env.mjs";

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const arenaBin = takeOption(args, "--arena")[0];
const externalSecret = takeOption(args, "--external-secret")[0];
const [manifestFile] = args;
if (!manifestFile) {
  console.error("usage: check-k8s-manifests.mjs MANIFESTS.yaml [--arena BIN] [--external-secret NAME]");
  process.exit(2);
}

const problems = [];
const docs = YAML.parseAllDocuments(fs.readFileSync(manifestFile, "utf8"))
  .map((d) => d.toJSON())
  .filter((d) => d);
if (docs.length === 0) problems.push(`${manifestFile}: no manifests`);
const id = (d) => `${d.kind}/${d.metadata?.name}`;

// 1. Schemas.
function modelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const paths =
    group === "monitoring.coreos.com"
      ? [`@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`]
      : [`kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`];
  for (const p of paths) {
    try {
      return require(p)[kind];
    } catch {
      // not this one
    }
  }
  return null;
}
for (const d of docs) {
  const Model = d.apiVersion && d.kind ? modelFor(d.apiVersion, d.kind) : null;
  if (!Model) {
    problems.push(`${id(d)}: no schema for apiVersion ${d.apiVersion} kind ${d.kind}`);
    continue;
  }
  try {
    new Model(d).validate();
  } catch (e) {
    problems.push(`${id(d)}: ${e.message}`);
  }
}

// 2. Unknown fields, by the API's type map.
const scalar = new Set(["string", "number", "boolean", "Date", "any", "object", "IntOrString"]);
function strict(value, type, where) {
  if (value === null || value === undefined || scalar.has(type)) return;
  if (type.startsWith("Array<")) {
    if (Array.isArray(value)) value.forEach((v, i) => strict(v, type.slice(6, -1), `${where}[${i}]`));
    return;
  }
  const map = type.match(/^\{ \[key: string\]: (.*); \}$/);
  if (map) {
    if (typeof value === "object") for (const [k, v] of Object.entries(value)) strict(v, map[1], `${where}.${k}`);
    return;
  }
  const model = k8s[type];
  if (typeof model?.getAttributeTypeMap !== "function") {
    problems.push(`${where}: the type map has no ${type}`);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return;  // the schema check says so
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!fields.has(k)) problems.push(`${where}.${k}: unknown field of ${type}`);
    else strict(v, fields.get(k), `${where}.${k}`);
  }
}
for (const d of docs) {
  if (d.apiVersion?.includes("coreos.com")) continue;  // CRDs: schema check only
  const version = (d.apiVersion ?? "").split("/").pop();
  strict(d, `${version.charAt(0).toUpperCase()}${version.slice(1)}${d.kind}`, id(d));
}

// 3. References within the stream.
const byKind = (kind) => docs.filter((d) => d.kind === kind);
const names = (kind) => new Set(byKind(kind).map((d) => d.metadata?.name));
const podTemplates = [...byKind("Deployment"), ...byKind("Job")].map((d) => d.spec?.template ?? {});
const selects = (selector) =>
  selector &&
  Object.keys(selector).length > 0 &&
  podTemplates.some((t) => Object.entries(selector).every(([k, v]) => t.metadata?.labels?.[k] === v));
for (const s of byKind("Service"))
  if (!selects(s.spec?.selector)) problems.push(`${id(s)}: its selector matches no pod template`);
for (const p of byKind("PodDisruptionBudget"))
  if (!selects(p.spec?.selector?.matchLabels)) problems.push(`${id(p)}: its selector matches no pod template`);
const serviceLabels = byKind("Service").map((s) => s.metadata?.labels ?? {});
for (const m of byKind("ServiceMonitor")) {
  const want = m.spec?.selector?.matchLabels ?? {};
  if (!serviceLabels.some((l) => Object.entries(want).every(([k, v]) => l[k] === v)))
    problems.push(`${id(m)}: its selector matches no Service`);
}
for (const h of byKind("HorizontalPodAutoscaler"))
  if (!names("Deployment").has(h.spec?.scaleTargetRef?.name))
    problems.push(`${id(h)}: scales ${h.spec?.scaleTargetRef?.name}, which is no Deployment here`);
const services = new Map(byKind("Service").map((s) => [s.metadata?.name, s]));
for (const ing of byKind("Ingress"))
  for (const rule of ing.spec?.rules ?? [])
    for (const p of rule.http?.paths ?? []) {
      const b = p.backend?.service;
      const svc = services.get(b?.name);
      if (!svc) problems.push(`${id(ing)}: ${p.path} goes to ${b?.name}, which is no Service here`);
      else if (!(svc.spec?.ports ?? []).some((port) => port.name === b.port?.name || port.port === b.port?.number))
        problems.push(`${id(ing)}: ${p.path} goes to a port ${svc.metadata.name} does not have`);
    }
const configMaps = names("ConfigMap");
const secrets = names("Secret");
if (externalSecret) secrets.add(externalSecret);
const containersOf = (d) => [
  ...(d.spec?.template?.spec?.containers ?? []),
  ...(d.spec?.template?.spec?.initContainers ?? []),
];
const workloads = [...byKind("Deployment"), ...byKind("Job")];
for (const w of workloads)
  for (const c of containersOf(w)) {
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef && !configMaps.has(from.configMapRef.name))
        problems.push(`${id(w)}: envFrom ConfigMap ${from.configMapRef.name} is not in the chart`);
      if (from.secretRef && !secrets.has(from.secretRef.name))
        problems.push(`${id(w)}: envFrom Secret ${from.secretRef.name} is not in the chart`);
    }
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && !secrets.has(ref.name)) problems.push(`${id(w)}: ${e.name} reads Secret ${ref.name}, not in the chart`);
    }
  }

// 4. Settings: each Arena container's environment, resolved.
if (arenaBin) {
  const known = knownSettings(arenaBin);
  const data = (kind, name) => {
    const o = byKind(kind).find((d) => d.metadata?.name === name);
    if (!o) return {};
    const decoded = Object.fromEntries(
      Object.entries(o.data ?? {}).map(([k, v]) => [k, kind === "Secret" ? Buffer.from(v, "base64").toString() : v]),
    );
    return { ...decoded, ...o.stringData };
  };
  for (const w of workloads)
    for (const c of containersOf(w)) {
      const env = {};
      for (const from of c.envFrom ?? []) {
        if (from.configMapRef) Object.assign(env, data("ConfigMap", from.configMapRef.name));
        if (from.secretRef) Object.assign(env, data("Secret", from.secretRef.name));
      }
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.fieldRef) env[e.name] = `${w.metadata.name}-5d8f7c9b6-x2x7q`;  // a pod's name
        else if (e.valueFrom?.secretKeyRef) {
          const v = data("Secret", e.valueFrom.secretKeyRef.name)[e.valueFrom.secretKeyRef.key];
          if (v !== undefined) env[e.name] = v;
        }
      }
      problems.push(...checkArenaEnv(arenaBin, known, `${id(w)}/${c.name}`, env));
    }
}

for (const p of problems) console.error(p);
console.log(`check-k8s-manifests: ${docs.length} manifests, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
