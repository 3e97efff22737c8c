// Arena's Grafana dashboards, written as deploy/grafana/dashboards/*.json (Grafana's dashboard JSON
// model, schemaVersion 39). The JSON files are what Grafana loads; this is where they are edited:
//   node tools/js/grafana-dashboards.mjs          writes them
//   node tools/js/grafana-dashboards.mjs --check  fails when a file differs from what this writes
// Every query selects from the datasource variable `datasource` and may group by `role` (the label
// the scrape configs set). tools/js/check-metric-names.mjs checks each metric name against a live
// server's /metrics.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const outDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../deploy/grafana/dashboards");
const ds = { type: "prometheus", uid: "${datasource}" };
const rate = (selector) => `rate(${selector}[$__rate_interval])`;
const quantile = (q, bucket, by) => `histogram_quantile(${q}, sum by (le, ${by}) (${rate(bucket)}))`;

// A panel: a time series unless `stat`; `targets` are [expr, legend] pairs.
function panel(title, unit, targets, { stat = false, w = 12, h = 8, description } = {}) {
  return {
    type: stat ? "stat" : "timeseries",
    title,
    ...(description ? { description } : {}),
    datasource: ds,
    w,
    h,
    fieldConfig: { defaults: { unit, ...(stat ? {} : { custom: { fillOpacity: 10, showPoints: "never" } }) }, overrides: [] },
    options: stat
      ? { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, colorMode: "value", graphMode: "area" }
      : { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi", sort: "desc" } },
    targets: targets.map(([expr, legendFormat], i) => ({
      datasource: ds,
      expr,
      legendFormat,
      refId: String.fromCharCode(65 + i),
    })),
  };
}

// Lays panels out left to right, 24 columns a row, and numbers them.
function dashboard(uid, title, description, panels) {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const placed = panels.map(({ w, h, ...p }, i) => {
    if (x + w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const out = { id: i + 1, gridPos: { x, y, w, h }, ...p };
    x += w;
    rowHeight = Math.max(rowHeight, h);
    return out;
  });
  return {
    uid,
    title,
    description,
    tags: ["arena"],
    timezone: "browser",
    editable: true,
    refresh: "30s",
    schemaVersion: 39,
    time: { from: "now-1h", to: "now" },
    templating: {
      list: [{ name: "datasource", label: "Prometheus", type: "datasource", query: "prometheus", current: {}, hide: 0 }],
    },
    annotations: { list: [] },
    links: [{ title: "Arena", type: "dashboards", tags: ["arena"], asDropdown: true }],
    panels: placed,
  };
}

const dashboards = {
  "arena-overview": dashboard("arena-overview", "Arena / Overview", "Players, logins, WebSocket traffic and HTTP", [
    panel("Players online", "short", [["sum(gateway_sessions_open)", "sessions"]], { stat: true, w: 6, h: 5 }),
    panel("Open WebSockets", "short", [["sum(gateway_connections_open)", "connections"]], { stat: true, w: 6, h: 5 }),
    panel("Logins/s", "reqps", [[`sum(${rate('auth_logins_total{result="ok"}')})`, "logins"]], { stat: true, w: 6, h: 5 }),
    panel("Matches running", "short", [["sum(game_matches_active)", "matches"]], { stat: true, w: 6, h: 5 }),
    panel("Logins/s by method and result", "reqps", [[`sum by (method, result) (${rate("auth_logins_total")})`, "{{method}} {{result}}"]]),
    panel("Sessions by gateway", "short", [["sum by (instance) (gateway_sessions_open)", "{{instance}}"]]),
    panel("Client ops/s", "ops", [[`sum by (op) (${rate("gateway_ops_total")})`, "{{op}}"]]),
    panel("Pushes/s, frames out/s and socket writes/s", "ops", [
      [`sum(${rate("gateway_pushes_total")})`, "pushes"],
      [`sum(${rate("gateway_frames_out_total")})`, "frames out"],
      [`sum(${rate("gateway_writes_total")})`, "socket writes"],
    ]),
    panel("WebSocket closes/s by code", "ops", [[`sum by (code) (${rate("gateway_closes_total")})`, "{{code}}"]]),
    panel("Op errors/s by code", "ops", [[`sum by (code) (${rate("gateway_errors_total")})`, "{{code}}"]]),
    panel("Resumes/s by result", "ops", [[`sum by (result) (${rate("gateway_resumes_total")})`, "{{result}}"]]),
    panel("HTTP requests/s by role and status", "reqps", [
      [`sum by (role, status) (${rate("http_requests_total")})`, "{{role}} {{status}}"],
    ]),
    panel("HTTP 5xx share by role", "percentunit", [
      [
        `sum by (role) (${rate('http_requests_total{status=~"5.."}')}) / sum by (role) (${rate("http_requests_total")})`,
        "{{role}}",
      ],
    ]),
    panel("HTTP p99 latency by route", "s", [[quantile(0.99, "http_request_duration_seconds_bucket", "route"), "{{route}}"]]),
    panel("Requests refused before routing/s", "reqps", [[`sum by (reason) (${rate("http_rejected_total")})`, "{{reason}}"]]),
    panel("Token rejections and rate limits/s", "reqps", [
      [`sum by (code) (${rate("auth_token_rejected_total")})`, "token {{code}}"],
      [`sum by (scope) (${rate("auth_rate_limited_total")})`, "limited {{scope}}"],
    ]),
  ]),
  "arena-matchmaking": dashboard("arena-matchmaking", "Arena / Matchmaking", "Queues, waits and match quality", [
    panel("Queued tickets by mode and region", "short", [
      ["sum by (mode, region) (matchmaking_queue_tickets)", "{{mode}} {{region}}"],
    ], { w: 24 }),
    panel("Wait p50 / p90 / p99 by mode", "s", [
      [quantile(0.5, "matchmaking_wait_seconds_bucket", "mode"), "p50 {{mode}}"],
      [quantile(0.9, "matchmaking_wait_seconds_bucket", "mode"), "p90 {{mode}}"],
      [quantile(0.99, "matchmaking_wait_seconds_bucket", "mode"), "p99 {{mode}}"],
    ]),
    panel("Win-probability gap p50 / p90 by mode", "percentunit", [
      [quantile(0.5, "matchmaking_match_win_probability_gap_bucket", "mode"), "p50 {{mode}}"],
      [quantile(0.9, "matchmaking_match_win_probability_gap_bucket", "mode"), "p90 {{mode}}"],
    ], { description: "Predicted win-probability gap between the strongest and weakest side of each formed match" }),
    panel("Rating spread p50 / p90 by mode", "short", [
      [quantile(0.5, "matchmaking_match_rating_spread_bucket", "mode"), "p50 {{mode}}"],
      [quantile(0.9, "matchmaking_match_rating_spread_bucket", "mode"), "p90 {{mode}}"],
    ]),
    panel("Matches formed/s by mode (with bots or not)", "ops", [
      [`sum by (mode, bots) (${rate("matchmaking_matches_total")})`, "{{mode}} bots={{bots}}"],
    ]),
    panel("Tickets/s: joined and left, by mode", "ops", [
      [`sum by (mode) (${rate("matchmaking_join_queue_count")})`, "joined {{mode}}"],
      [`sum by (mode, result) (${rate("matchmaking_tickets_total")})`, "{{result}} {{mode}}"],
    ]),
    panel("Round time p99 and rounds/s", "s", [
      [`histogram_quantile(0.99, sum by (le) (${rate("matchmaking_round_seconds_bucket")}))`, "round p99"],
      [`sum(${rate("matchmaking_rounds_total")})`, "rounds/s"],
    ]),
    panel("Leader", "short", [["max by (instance) (matchmaker_leader)", "{{instance}}"]], {
      description: "1 in the matchmaker process that forms matches",
    }),
  ]),
  "arena-hosts": dashboard("arena-hosts", "Arena / Match hosts", "Matches, ticks and bots", [
    panel("Active matches by host", "short", [["sum by (instance) (game_matches_active)", "{{instance}}"]]),
    panel("Players in matches by host", "short", [["sum by (instance) (game_players_in_matches)", "{{instance}}"]]),
    panel("Tick duration p50 / p99 by game", "s", [
      [quantile(0.5, "game_tick_duration_seconds_bucket", "game"), "p50 {{game}}"],
      [quantile(0.99, "game_tick_duration_seconds_bucket", "game"), "p99 {{game}}"],
    ]),
    panel("Tick lateness p99 by game and host", "s", [
      [quantile(0.99, "game_tick_lateness_seconds_bucket", "game, instance"), "{{game}} {{instance}}"],
    ], { description: "Alert ArenaTickLatenessHigh fires over 25 ms" }),
    panel("Ticks more than a period late/s", "ops", [[`sum by (game) (${rate("game_ticks_behind_total")})`, "{{game}}"]]),
    panel("Matches ended/s by outcome", "ops", [
      [`sum by (game, outcome) (${rate("game_matches_ended_total")})`, "{{game}} {{outcome}}"],
    ]),
    panel("Bot decisions/s by game", "ops", [[`sum by (game) (${rate("game_bot_decisions_total")})`, "{{game}}"]]),
    panel("Bot policy answers and fallbacks/s", "ops", [
      [`sum(${rate("game_bot_policy_answers_total")})`, "answers"],
      [`sum(${rate("game_bot_policy_fallbacks_total")})`, "fallbacks"],
    ], { description: "With host.bot_policy: a fallback is a built-in bot's move when the policy did not answer in time" }),
    panel("Checkpoints/s and failures/s", "ops", [
      [`sum(${rate("host_checkpoints_total")})`, "checkpoints"],
      [`sum(${rate("host_checkpoint_failures_total")})`, "failures"],
    ]),
    panel("Failover: matches adopted and lost/s", "ops", [
      [`sum(${rate("host_matches_adopted_total")})`, "adopted"],
      [`sum(${rate("host_matches_lost_total")})`, "lost"],
    ]),
  ]),
  "arena-jobs": dashboard("arena-jobs", "Arena / Jobs", "The durable job queue (ratings, boards, upkeep)", [
    panel("Jobs/s by outcome", "ops", [[`sum by (outcome) (${rate("arena_jobs_total")})`, "{{outcome}}"]]),
    panel("Jobs/s by kind", "ops", [[`sum by (kind) (${rate("arena_jobs_total")})`, "{{kind}}"]]),
    panel("Jobs by state", "short", [["max by (state) (arena_jobs)", "{{state}}"]]),
    panel("Dead jobs (15 min)", "short", [[`sum by (kind) (increase(arena_jobs_total{outcome="dead"}[15m]))`, "{{kind}}"]]),
    panel("Run time p50 / p99 by kind", "s", [
      [quantile(0.5, "arena_job_duration_seconds_bucket", "kind"), "p50 {{kind}}"],
      [quantile(0.99, "arena_job_duration_seconds_bucket", "kind"), "p99 {{kind}}"],
    ]),
    panel("Queue latency p99 by queue (run_at to start)", "s", [
      [quantile(0.99, "arena_job_queue_latency_seconds_bucket", "queue"), "{{queue}}"],
    ]),
  ]),
  "arena-events": dashboard("arena-events", "Arena / Game events", "The event pipeline into analytics storage", [
    panel("Events/s through the pipeline", "ops", [
      [`sum(${rate("arena_events_emitted_total")})`, "emitted"],
      [`sum(${rate("arena_events_published_total")})`, "published (confirmed)"],
      [`sum(${rate("arena_events_consumed_total")})`, "consumed"],
      [`sum(${rate("arena_events_written_total")})`, "written"],
      [`sum(${rate("arena_events_duplicates_total")})`, "duplicates"],
    ], { w: 24 }),
    panel("Dropped/s by type", "ops", [[`sum by (type) (${rate("arena_events_dropped_total")})`, "{{type}}"]]),
    panel("Dead-lettered and failures/s", "ops", [
      [`sum by (reason) (${rate("arena_events_dead_lettered_total")})`, "dead: {{reason}}"],
      [`sum(${rate("arena_events_publish_failures_total")})`, "publish failures"],
      [`sum(${rate("arena_events_write_failures_total")})`, "write failures"],
    ]),
    panel("Consumer lag", "s", [["max by (instance) (arena_events_consumer_lag_seconds)", "{{instance}}"]]),
    panel("Buffered in processes", "short", [["sum by (instance) (arena_events_buffered)", "{{instance}}"]]),
    panel("Batch size p50 / p99", "short", [
      [`histogram_quantile(0.5, sum by (le) (${rate("arena_events_batch_size_bucket")}))`, "p50"],
      [`histogram_quantile(0.99, sum by (le) (${rate("arena_events_batch_size_bucket")}))`, "p99"],
    ]),
    panel("Batch write p50 / p99", "s", [
      [`histogram_quantile(0.5, sum by (le) (${rate("arena_events_write_seconds_bucket")}))`, "p50"],
      [`histogram_quantile(0.99, sum by (le) (${rate("arena_events_write_seconds_bucket")}))`, "p99"],
    ]),
  ]),
  "arena-processes": dashboard("arena-processes", "Arena / Processes", "CPU, memory and file descriptors per role", [
    panel("CPU by role and process", "percentunit", [
      [`sum by (role, instance) (${rate("process_cpu_seconds_total")})`, "{{role}} {{instance}}"],
    ]),
    panel("Resident memory by role and process", "bytes", [
      ["sum by (role, instance) (process_resident_memory_bytes)", "{{role}} {{instance}}"],
    ]),
    panel("Open file descriptors by role and process", "short", [
      ["sum by (role, instance) (process_open_fds)", "{{role}} {{instance}}"],
    ]),
    panel("Up", "short", [["up{job=\"arena\"}", "{{role}} {{instance}}"]]),
    panel("Redis errors/s by use", "ops", [[`sum by (use) (${rate("arena_redis_errors_total")})`, "{{use}}"]]),
    panel("PostgreSQL errors/s by kind", "ops", [[`sum by (kind) (${rate("arena_postgres_errors_total")})`, "{{kind}}"]]),
    panel("Session events waiting for Redis", "short", [
      ["sum by (instance) (sessions_backlog_events)", "{{instance}}"],
      [`sum(${rate("sessions_backlog_dropped_total")})`, "dropped/s"],
    ]),
    panel("HTTP connections open by role", "short", [["sum by (role) (http_connections_open)", "{{role}}"]]),
  ]),
};

const check = process.argv.includes("--check");
let stale = 0;
for (const [name, board] of Object.entries(dashboards)) {
  const file = path.join(outDir, `${name}.json`);
  const text = `${JSON.stringify(board, null, 2)}\n`;
  if (!check) {
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(file, text);
  } else if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
    console.error(`grafana-dashboards: ${path.relative(process.cwd(), file)} differs from tools/js/grafana-dashboards.mjs (run it)`);
    stale++;
  }
}
process.exit(stale ? 1 : 0);
