// The settings a deployment file gives Arena, checked by Arena itself: every ARENA_* name must be
// one `arena config --env-example` lists, and `arena config` run with exactly that environment
// must accept every value (durations, sizes, enums, URLs' schemes, ...).
import { spawnSync } from "node:child_process";

// ARENA_* names of the settings the binary knows.
export function knownSettings(arenaBin) {
  const r = spawnSync(arenaBin, ["config", "--env-example"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${arenaBin} config --env-example failed: ${r.stderr}`);
  return new Set([...r.stdout.matchAll(/^#? ?(ARENA_[A-Z0-9_]+)=/gm)].map((m) => m[1]));
}

// Problems with one process's environment (`where` names it in each message).
export function checkArenaEnv(arenaBin, known, where, env) {
  const problems = [];
  for (const name of Object.keys(env))
    if (name.startsWith("ARENA_") && !known.has(name)) problems.push(`${where}: ${name} is not an Arena setting`);
  const r = spawnSync(arenaBin, ["config"], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
  if (r.status !== 0) problems.push(`${where}: arena config refuses its settings: ${r.stderr.trim()}`);
  return problems;
}
