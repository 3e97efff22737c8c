// JSON compared regardless of key order (the GraphQL checks compare responses whole).
export const canonical = (v) =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === "object"
      ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
      : v;
export const json = (v) => JSON.stringify(canonical(v));
export const same = (a, b) => json(a) === json(b);
