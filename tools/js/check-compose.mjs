// Checks docker-compose.yml against the code, from `docker-compose config` output (the file with
// .env and anchors resolved):
//   node check-compose.mjs RESOLVED.yaml --arena BIN [--dockerfile F] [--prometheus F] [--nginx F]
// - every Arena service (built from this repository) gets only settings Arena knows, with values
//   `arena config` accepts (the Dockerfile's ENV under the service's environment);
// - every target of the Prometheus scrape config is a service of the file on Arena's port 8080,
//   and its `role` label is the role that service runs.
// - with --nginx CONF (the front door): each upstream is named by a role, and its servers are
//   services of the file on 8080 that run that role; each proxy_pass names an upstream.
import fs from "node:fs";
import YAML from "yaml";
import { takeOption } from "./options.mjs";
import { checkArenaEnv, knownSettings } from "./arena-env.mjs";

const args = process.argv.slice(2);
const arenaBin = takeOption(args, "--arena")[0];
const dockerfile = takeOption(args, "--dockerfile")[0];
const prometheusFile = takeOption(args, "--prometheus")[0];
const nginxFile = takeOption(args, "--nginx")[0];
const [resolved] = args;
if (!resolved || !arenaBin) {
  console.error("usage: check-compose.mjs RESOLVED.yaml --arena BIN [--dockerfile F] [--prometheus F] [--nginx F]");
  process.exit(2);
}

const problems = [];
const services = YAML.parse(fs.readFileSync(resolved, "utf8"))?.services ?? {};
const arenaServices = Object.entries(services).filter(([, s]) => s.build);
if (arenaServices.length === 0) problems.push(`${resolved}: no service builds Arena`);

// ENV of the Dockerfile's last stage: KEY=VALUE pairs, continued lines joined.
const imageEnv = {};
if (dockerfile) {
  const text = fs.readFileSync(dockerfile, "utf8").replace(/\\\n/g, " ");
  const stages = text.split(/^FROM /m);
  for (const m of stages[stages.length - 1].matchAll(/^ENV (.*)$/gm))
    for (const kv of m[1].matchAll(/([A-Z0-9_]+)=("[^"]*"|\S*)/g)) imageEnv[kv[1]] = kv[2].replace(/^"|"$/g, "");
  if (Object.keys(imageEnv).length === 0) problems.push(`${dockerfile}: no ENV in its last stage`);
}

const known = knownSettings(arenaBin);
for (const [name, s] of arenaServices) {
  const env = { ...imageEnv };
  for (const [k, v] of Object.entries(s.environment ?? {})) env[k] = v === null ? "" : String(v);
  problems.push(...checkArenaEnv(arenaBin, known, `service ${name}`, env));
}

if (prometheusFile) {
  const prom = YAML.parse(fs.readFileSync(prometheusFile, "utf8"));
  const arenaJob = (prom.scrape_configs ?? []).find((j) => j.job_name === "arena");
  if (!arenaJob) problems.push(`${prometheusFile}: no scrape job "arena"`);
  const scraped = new Set();
  for (const sc of arenaJob?.static_configs ?? [])
    for (const target of sc.targets ?? []) {
      const [host, port] = target.split(":");
      scraped.add(host);
      const s = services[host];
      const roles = String(s?.environment?.ARENA_ROLES ?? "").split(",");
      if (!s || !s.build) problems.push(`${prometheusFile}: ${target} is no Arena service of the compose file`);
      else if (port !== "8080") problems.push(`${prometheusFile}: ${target}: Arena listens on 8080 in its containers`);
      else if (!roles.includes(sc.labels?.role))
        problems.push(`${prometheusFile}: ${target} is labelled role=${sc.labels?.role} but runs ${roles.join(",")}`);
    }
  for (const [name, s] of arenaServices)
    if (s.command?.[0] !== "migrate" && !scraped.has(name)) problems.push(`${prometheusFile}: service ${name} is not scraped`);
}

if (nginxFile) {
  const conf = fs.readFileSync(nginxFile, "utf8");
  const upstreams = new Map([...conf.matchAll(/upstream\s+([\w-]+)\s*\{([^}]*)\}/g)].map((m) => [m[1], m[2]]));
  if (upstreams.size === 0) problems.push(`${nginxFile}: no upstreams`);
  for (const [role, body] of upstreams)
    for (const [, host, port] of body.matchAll(/server\s+([\w.-]+):(\d+)/g)) {
      const roles = String(services[host]?.environment?.ARENA_ROLES ?? "").split(",");
      if (!services[host]?.build) problems.push(`${nginxFile}: upstream ${role}: ${host} is no Arena service`);
      else if (port !== "8080") problems.push(`${nginxFile}: upstream ${role}: Arena listens on 8080, not ${port}`);
      else if (!roles.includes(role)) problems.push(`${nginxFile}: upstream ${role}: ${host} runs ${roles.join(",")}`);
    }
  for (const [, name] of conf.matchAll(/proxy_pass\s+http:\/\/([\w-]+)/g))
    if (!upstreams.has(name)) problems.push(`${nginxFile}: proxy_pass to ${name}, which is no upstream`);
}

for (const p of problems) console.error(p);
console.log(`check-compose: ${arenaServices.length} Arena services, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
