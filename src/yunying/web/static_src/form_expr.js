// The browser's copy of Yunying's restricted expressions (yunying.core.expressions), for live previews of
// computed fields and display conditions. The server re-evaluates everything; anything this copy cannot
// evaluate simply shows blank. Names, literals, arithmetic, comparisons, and/or/not, `in`, `x if c else y`,
// subscripts and the whitelisted functions; no attribute access.

const KEYWORDS = new Set(["and", "or", "not", "in", "is", "if", "else", "None", "True", "False"]);

class ExprError extends Error {}

function tokenize(src) {
  const tokens = [];
  let i = 0;
  const ops = ["**", "//", "==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "%", "(", ")", "[", "]", ",", ":", "{", "}"];
  while (i < src.length) {
    const ch = src[i];
    if (/\s/.test(ch)) { i += 1; continue; }
    const num = /^(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) { tokens.push({ t: "num", v: Number(num[0]) }); i += num[0].length; continue; }
    if (ch === "'" || ch === '"') {
      let j = i + 1; let out = "";
      while (j < src.length && src[j] !== ch) {
        if (src[j] === "\\" && j + 1 < src.length) { out += src[j + 1] === "n" ? "\n" : src[j + 1]; j += 2; } else { out += src[j]; j += 1; }
      }
      if (j >= src.length) throw new ExprError("unterminated string");
      tokens.push({ t: "str", v: out }); i = j + 1; continue;
    }
    const name = /^[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*/.exec(src.slice(i));
    if (name) { tokens.push({ t: KEYWORDS.has(name[0]) ? "kw" : "name", v: name[0] }); i += name[0].length; continue; }
    const op = ops.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected '${ch}'`);
    tokens.push({ t: "op", v: op }); i += op.length;
  }
  tokens.push({ t: "end", v: "" });
  return tokens;
}

function parse(src) {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const is = (t, v) => tokens[pos].t === t && (v === undefined || tokens[pos].v === v);
  const take = (t, v) => { if (!is(t, v)) throw new ExprError(`expected ${v || t}`); return tokens[pos++]; };

  function ternary() {
    const body = orExpr();
    if (is("kw", "if")) { pos += 1; const test = orExpr(); take("kw", "else"); const other = ternary(); return { k: "if", test, body, other }; }
    return body;
  }
  function orExpr() { let left = andExpr(); while (is("kw", "or")) { pos += 1; left = { k: "or", left, right: andExpr() }; } return left; }
  function andExpr() { let left = notExpr(); while (is("kw", "and")) { pos += 1; left = { k: "and", left, right: notExpr() }; } return left; }
  function notExpr() { if (is("kw", "not")) { pos += 1; return { k: "not", arg: notExpr() }; } return comparison(); }
  function comparison() {
    const first = arith(); const ops = []; const rest = [];
    for (;;) {
      let op = null;
      if (peek().t === "op" && ["==", "!=", "<", "<=", ">", ">="].includes(peek().v)) { op = peek().v; pos += 1; }
      else if (is("kw", "in")) { op = "in"; pos += 1; }
      else if (is("kw", "not") && tokens[pos + 1].t === "kw" && tokens[pos + 1].v === "in") { op = "not in"; pos += 2; }
      else if (is("kw", "is")) { pos += 1; if (is("kw", "not")) { pos += 1; op = "is not"; } else op = "is"; }
      if (!op) break;
      ops.push(op); rest.push(arith());
    }
    return ops.length ? { k: "cmp", first, ops, rest } : first;
  }
  function arith() { let left = term(); while (is("op", "+") || is("op", "-")) { const op = tokens[pos++].v; left = { k: "bin", op, left, right: term() }; } return left; }
  function term() {
    let left = factor();
    while (["*", "/", "//", "%"].includes(peek().v) && peek().t === "op") { const op = tokens[pos++].v; left = { k: "bin", op, left, right: factor() }; }
    return left;
  }
  function factor() {
    if (is("op", "-") || is("op", "+")) { const op = tokens[pos++].v; return { k: "neg", op, arg: factor() }; }
    return power();
  }
  function power() { const base = primary(); if (is("op", "**")) { pos += 1; return { k: "bin", op: "**", left: base, right: factor() }; } return base; }
  function primary() {
    let node = atom();
    for (;;) {
      if (is("op", "(")) {
        if (node.k !== "name") throw new ExprError("only functions may be called");
        pos += 1; const args = [];
        while (!is("op", ")")) { args.push(ternary()); if (!is("op", ")")) take("op", ","); }
        pos += 1; node = { k: "call", name: node.v, args };
      } else if (is("op", "[")) {
        pos += 1; const index = ternary(); take("op", "]"); node = { k: "index", obj: node, index };
      } else return node;
    }
  }
  function atom() {
    const tok = tokens[pos++];
    if (tok.t === "num" || tok.t === "str") return { k: "lit", v: tok.v };
    if (tok.t === "name") return { k: "name", v: tok.v };
    if (tok.t === "kw" && tok.v === "None") return { k: "lit", v: null };
    if (tok.t === "kw" && tok.v === "True") return { k: "lit", v: true };
    if (tok.t === "kw" && tok.v === "False") return { k: "lit", v: false };
    if (tok.t === "op" && tok.v === "(") { const inner = ternary(); take("op", ")"); return inner; }
    if (tok.t === "op" && tok.v === "[") {
      const items = [];
      while (!is("op", "]")) { items.push(ternary()); if (!is("op", "]")) take("op", ","); }
      pos += 1; return { k: "list", items };
    }
    throw new ExprError(`unexpected '${tok.v}'`);
  }
  const tree = ternary();
  if (!is("end")) throw new ExprError(`unexpected '${peek().v}'`);
  return tree;
}

const isNum = (v) => typeof v === "number" && Number.isFinite(v);
function num(v) { if (typeof v === "boolean") return v ? 1 : 0; if (!isNum(v)) throw new ExprError("not a number"); return v; }
function truthy(v) { return Array.isArray(v) ? v.length > 0 : v !== null && v !== undefined && v !== false && v !== 0 && v !== ""; }
function rowsOf(v) { if (!Array.isArray(v)) throw new ExprError("not a list"); return v; }

// today() is the company's calendar day (the zone the page names), as on the server — not the UTC date.
function companyToday(at = new Date()) {
  const zone = (typeof document !== "undefined" && document.documentElement.dataset.timeZone) || undefined;
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
  } catch (e) {
    return at.toISOString().slice(0, 10);
  }
}

const FUNCTIONS = {
  len: (v) => { if (typeof v === "string" || Array.isArray(v)) return v.length; throw new ExprError("len"); },
  sum: (v, start = 0) => rowsOf(v).reduce((a, b) => num(a) + num(b), start),
  min: (...a) => { const xs = a.length === 1 ? rowsOf(a[0]) : a; if (!xs.length) throw new ExprError("min"); return Math.min(...xs.map(num)); },
  max: (...a) => { const xs = a.length === 1 ? rowsOf(a[0]) : a; if (!xs.length) throw new ExprError("max"); return Math.max(...xs.map(num)); },
  abs: (v) => Math.abs(num(v)),
  round: (v, d = 0) => { const f = 10 ** d; return Math.round((num(v) + Number.EPSILON) * f) / f; },
  int: (v) => Math.trunc(Number(v)),
  float: (v) => Number(v),
  decimal: (v) => Number(v),
  str: (v) => (v === null ? "None" : String(v)),
  bool: (v) => truthy(v),
  any: (v) => rowsOf(v).some(truthy),
  all: (v) => rowsOf(v).every(truthy),
  today: () => companyToday(),
  sumproduct: (rows, a, b) => rowsOf(rows).reduce((t, r) => t + num(r[a]) * num(r[b]), 0),
  col: (rows, key) => rowsOf(rows).map((r) => r[key]),
};

function compare(op, a, b) {
  switch (op) {
    case "==": return a === b;
    case "!=": return a !== b;
    case "is": return a === null || a === undefined;
    case "is not": return !(a === null || a === undefined);
    case "in": case "not in": {
      if (!(typeof b === "string" || Array.isArray(b))) throw new ExprError("in");
      const found = b.includes(a); return op === "in" ? found : !found;
    }
    default: {
      const ok = (isNum(a) && isNum(b)) || (typeof a === "string" && typeof b === "string");
      if (!ok) throw new ExprError("cannot compare");
      if (op === "<") return a < b; if (op === "<=") return a <= b; if (op === ">") return a > b; return a >= b;
    }
  }
}

function arith(op, a, b) {
  if (op === "+" && typeof a === "string" && typeof b === "string") return a + b;
  const x = num(a); const y = num(b);
  switch (op) {
    case "+": return x + y;
    case "-": return x - y;
    case "*": return x * y;
    case "/": if (y === 0) throw new ExprError("division by zero"); return x / y;
    case "//": if (y === 0) throw new ExprError("division by zero"); return Math.floor(x / y);
    case "%": if (y === 0) throw new ExprError("division by zero"); return ((x % y) + y) % y;
    default: return x ** y;
  }
}

function run(node, ctx) {
  switch (node.k) {
    case "lit": return node.v;
    case "name": if (!(node.v in ctx)) throw new ExprError(`unknown name ${node.v}`); return ctx[node.v] === undefined ? null : ctx[node.v];
    case "list": return node.items.map((n) => run(n, ctx));
    case "if": return truthy(run(node.test, ctx)) ? run(node.body, ctx) : run(node.other, ctx);
    case "or": { const l = run(node.left, ctx); return truthy(l) ? l : run(node.right, ctx); }
    case "and": { const l = run(node.left, ctx); return truthy(l) ? run(node.right, ctx) : l; }
    case "not": return !truthy(run(node.arg, ctx));
    case "neg": { const v = num(run(node.arg, ctx)); return node.op === "-" ? -v : v; }
    case "bin": return arith(node.op, run(node.left, ctx), run(node.right, ctx));
    case "cmp": {
      let left = run(node.first, ctx);
      for (let i = 0; i < node.ops.length; i += 1) {
        const right = run(node.rest[i], ctx);
        if (!compare(node.ops[i], left, right)) return false;
        left = right;
      }
      return true;
    }
    case "index": {
      const obj = run(node.obj, ctx); const key = run(node.index, ctx);
      if (Array.isArray(obj)) { const i = num(key) < 0 ? obj.length + key : key; if (i < 0 || i >= obj.length) throw new ExprError("index"); return obj[i]; }
      if (obj && typeof obj === "object" && key in obj) return obj[key];
      throw new ExprError("subscript");
    }
    case "call": {
      const fn = FUNCTIONS[node.name];
      if (!fn) throw new ExprError(`function ${node.name} is not allowed`);
      return fn(...node.args.map((n) => run(n, ctx)));
    }
    default: throw new ExprError("unsupported");
  }
}

const cache = new Map();

/** Evaluate `source` against `ctx`; throws on anything the server would refuse or fail on. */
export function evaluate(source, ctx) {
  let tree = cache.get(source);
  if (!tree) { tree = parse(source); cache.set(source, tree); }
  return run(tree, ctx);
}

/** The value, or `fallback` when the expression cannot be evaluated here. */
export function tryEvaluate(source, ctx, fallback = null) {
  try { return evaluate(source, ctx); } catch (e) { return fallback; }
}
