// Arena's GraphQL API held to graphql-js and to the REST routes, against a live server:
//  1. introspection, rebuilt with buildClientSchema and printed, is api/schema.graphql;
//  2. every document of the corpus gets the same verdict (valid or not) from the server as from
//     graphql-js's validate(), and every valid one the same response from the server as graphql-js
//     gives running it over resolvers that call the REST routes (camelCase fields read the REST
//     bodies' snake_case members; REST errors become field errors with their code);
//  3. graphql-http's auditServer: every MUST and SHOULD audit passes.
//   node graphql-api-check.mjs <base url> <schema.graphql> <corpus.json> <context.json>
// context.json: {"token": an access token, "vars": {name: value}} — a corpus entry's variables
// written "$name" take vars[name]; an entry with "auth": true sends the token.
import { readFileSync } from "node:fs";
import {
  GraphQLError,
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  graphql,
  parse,
  printSchema,
  specifiedRules,
  validate,
} from "graphql";
import { auditServer } from "graphql-http";
import { json } from "./canonical-json.mjs";

const [base, schemaPath, corpusPath, contextPath] = process.argv.slice(2);
const sdl = readFileSync(schemaPath, "utf8");
const schema = buildSchema(sdl);
const corpus = JSON.parse(readFileSync(corpusPath, "utf8"));
const context = JSON.parse(readFileSync(contextPath, "utf8"));
const url = `${base}/graphql`;
let failures = 0;
const fail = (what, detail) => {
  failures++;
  console.error(`FAIL ${what}${detail ? `\n  ${detail}` : ""}`);
};


async function arena(query, variables, auth) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json",
      ...(auth ? { authorization: `Bearer ${context.token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: await res.json() };
}

// 1. The schema as served.
{
  const { status, body } = await arena(getIntrospectionQuery({ descriptions: true }), {});
  if (status !== 200 || body.errors) fail("introspection", JSON.stringify(body).slice(0, 500));
  else {
    const printed = printSchema(buildClientSchema(body.data)) + "\n";
    if (printed !== sdl) {
      const a = printed.split("\n"), b = sdl.split("\n");
      const at = a.findIndex((line, i) => line !== b[i]);
      fail("introspection prints as api/schema.graphql", `line ${at + 1}: served ${JSON.stringify(a[at])}, file ${JSON.stringify(b[at])}`);
    }
  }
}

// 2. The reference: graphql-js over the REST routes.
const snake = (s) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
async function rest(path, auth, method = "GET", sent = undefined) {
  const headers = auth ? { authorization: `Bearer ${auth}` } : {};
  if (sent !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${base}${path}`, { method, headers, body: sent === undefined ? undefined : JSON.stringify(sent) });
  const body = res.status === 204 ? null : await res.json();
  return { status: res.status, body };
}
const restError = (r) => new GraphQLError(r.body.error.message, { extensions: { code: r.body.error.code } });
const orNull = async (path) => {
  const r = await rest(path);
  if (r.status === 404) return null;
  if (r.status !== 200) throw restError(r);
  return r.body;
};
const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};
const enc = encodeURIComponent;
// A REST page as a connection. Cursors REST does not give out (those of items before the last)
// are checked by what they do: the page after one starts with the next item (see cursorChecks).
function connection(body, items, after, pagePath) {
  const list = body[items];
  const { [items]: _, next_cursor, ...rest } = body;
  const cursors = list.map((item, i) =>
    i === list.length - 1 && next_cursor ? next_cursor : `§cursor ${JSON.stringify({ pagePath, next: list[i + 1] ?? null })}`,
  );
  return {
    ...rest,
    edges: list.map((node, i) => ({ cursor: cursors[i], node })),
    nodes: list,
    page_info: {
      has_next_page: next_cursor !== null,
      has_previous_page: !!after,
      start_cursor: cursors[0] ?? null,
      end_cursor: cursors.at(-1) ?? null,
    },
  };
}
const pageOf = async (path, items, after) => {
  const r = await rest(path);
  if (r.status !== 200) throw restError(r);
  return connection(r.body, items, after, path.split("?")[0]);
};
const guard = (id) => /^[A-Za-z0-9_.:-]{1,64}$/.test(id);
const player = (id) => (guard(id) ? orNull(`/v1/players/${enc(id)}`) : null);
const history = (id, { first, after }) => {
  if (first < 1 || first > 100) throw new GraphQLError("first is 1..100", { extensions: { code: "invalid_field" } });
  return pageOf(`/v1/players/${enc(id)}/matches${query({ limit: first, cursor: after })}`, "matches", after);
};
const resolvers = {
  Query: {
    me: async (_, __, ctx) => {
      const r = await rest("/v1/account", ctx.token ?? "");
      if (r.status !== 200) throw restError(r);
      return r.body;
    },
    player: (_, { id }) => player(id),
    players: (_, { ids }) => {
      if (ids.length > 100) throw new GraphQLError("ids holds at most 100", { extensions: { code: "invalid_field" } });
      return ids.map(player);
    },
    leaderboards: async () => (await rest("/v1/leaderboards")).body.boards,
    leaderboard: (_, { board, region, season, first, after }) => {
      if (first < 1 || first > 100) throw new GraphQLError("first is 1..100", { extensions: { code: "invalid_field" } });
      return pageOf(`/v1/leaderboards/${enc(board)}${query({ region, season, limit: first, cursor: after })}`, "entries", after);
    },
    match: (_, { id }) => (guard(id) ? orNull(`/v1/matches/${enc(id)}`) : null),
    matchHistory: (_, { player: id, ...page }) => {
      if (!guard(id)) throw new GraphQLError("there is no player with that id", { extensions: { code: "no_such_user" } });
      return history(id, page);
    },
    matchmakingStats: async () => (await rest("/v1/matchmaking/stats")).body,
    modes: async () => (await rest("/v1/modes")).body.modes,
  },
  Mutation: {
    updateAccount: async (_, { displayName }, ctx) => {
      const r = await rest("/v1/account", ctx.token ?? "", "PATCH", { display_name: displayName });
      if (r.status !== 200) throw restError(r);
      return r.body;
    },
  },
  Player: { matches: (p, page) => history(p.user_id, page) },
};
const fieldResolver = (source, args, ctx, info) => {
  const own = resolvers[info.parentType.name]?.[info.fieldName];
  if (own) return own(source, args, ctx, info);
  return source?.[snake(info.fieldName)];
};

// Values that differ only where the reference could not know a cursor: those are checked by use.
const cursorChecks = [];
function compare(expected, got, path = "") {
  if (typeof expected === "string" && expected.startsWith("§cursor ")) {
    cursorChecks.push({ spec: JSON.parse(expected.slice(8)), cursor: got, path });
    return typeof got === "string";
  }
  if (Array.isArray(expected))
    return Array.isArray(got) && got.length === expected.length && expected.every((e, i) => compare(e, got[i], `${path}.${i}`));
  if (expected && typeof expected === "object") {
    if (!got || typeof got !== "object" || Array.isArray(got)) return false;
    const ka = Object.keys(expected).sort(), kb = Object.keys(got).sort();
    return json(ka) === json(kb) && ka.every((k) => compare(expected[k], got[k], `${path}.${k}`));
  }
  return expected === got;
}

const substitute = (v) =>
  typeof v === "string" && v.startsWith("$")
    ? context.vars[v.slice(1)]
    : Array.isArray(v)
      ? v.map(substitute)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]))
        : v;

// Rules of the spec that no document can break against this schema: it has no input objects
// and no subscription type.
const inapplicable = new Set(["UniqueInputFieldNamesRule", "SingleFieldSubscriptionsRule"]);
const broken = new Set();
let valid = 0, invalid = 0;
for (const entry of corpus) {
  const variables = substitute(entry.variables ?? {});
  let verdict;
  try {
    verdict = validate(schema, parse(entry.query)).length === 0;
  } catch {
    verdict = false;
  }
  if (entry.valid !== undefined && entry.valid !== verdict) fail(`${entry.name}: the corpus says valid=${entry.valid}, graphql-js ${verdict}`);
  const got = await arena(entry.query, variables, entry.auth);
  const served = got.status === 200 && "data" in got.body;
  if (!verdict) {
    invalid++;
    try {
      const doc = parse(entry.query);
      for (const rule of specifiedRules) if (validate(schema, doc, [rule]).length > 0) broken.add(rule.name);
    } catch {
      broken.add("(syntax)");
    }
    if (got.status !== 400 || "data" in got.body || !got.body.errors?.length)
      fail(`${entry.name}: graphql-js refuses it, the server answered ${got.status}`, JSON.stringify(got.body).slice(0, 300));
    continue;
  }
  valid++;
  const expected = await graphql({
    schema,
    source: entry.query,
    variableValues: variables,
    contextValue: { token: entry.auth ? context.token : undefined },
    fieldResolver,
  });
  const want = JSON.parse(JSON.stringify(expected));
  // A request that cannot run (no such operation, bad variables, no root type): Arena gives its
  // errors the code graphql_invalid.
  if (!("data" in want)) for (const e of want.errors) e.extensions = { code: "graphql_invalid" };
  const sameErrors = json((want.errors ?? []).map((e) => ({ ...e }))) === json(got.body.errors ?? []);
  if (!served && want.data !== undefined) fail(`${entry.name}: valid for graphql-js, the server answered ${got.status}`, JSON.stringify(got.body).slice(0, 300));
  else if (!compare(want.data ?? null, got.body.data ?? null) || !sameErrors)
    fail(`${entry.name}: not what REST gives`, `REST:   ${json(want).slice(0, 600)}\n  served: ${json(got.body).slice(0, 600)}`);
}
for (const { spec, cursor, path } of cursorChecks) {
  const r = await rest(`${spec.pagePath}?limit=1&cursor=${enc(cursor)}`);
  const first = r.body?.entries?.[0] ?? r.body?.matches?.[0] ?? null;
  if (r.status !== 200 || json(first) !== json(spec.next))
    fail(`cursor at ${path}: the page after it does not start with the next item`, JSON.stringify(r.body).slice(0, 300));
}
for (const rule of specifiedRules)
  if (!broken.has(rule.name) && !inapplicable.has(rule.name)) fail(`no invalid document of the corpus breaks ${rule.name}`);
if (!broken.has("(syntax)")) fail("no document of the corpus fails to parse");
console.log(`corpus: ${corpus.length} documents (${valid} valid, ${invalid} invalid, breaking ${broken.size - 1} rules and the grammar), ${cursorChecks.length} cursors checked by use`);

// 3. GraphQL over HTTP.
const results = await auditServer({ url });
for (const r of results) {
  const level = r.name.split(" ")[0];
  if (r.status !== "ok" && (level === "MUST" || level === "SHOULD")) fail(`audit ${r.id} ${r.name}`, r.reason);
}
console.log(`graphql-http audits: ${results.filter((r) => r.status === "ok").length}/${results.length} ok`);
if (failures > 0) {
  console.error(`${failures} failures`);
  process.exit(1);
}
console.log("all agree");
