// Rendered forms (yyforms/_render.html): add and remove detail rows, recompute computed fields, row
// amounts, column totals and display conditions as the user types. The server checks everything again.
import { tryEvaluate } from "./form_expr.js";

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const idOf = (name) => `yy-${name.replace(/\[/g, "-").replace(/\]\./g, "-").replace(/\./g, "-")}`;

function parseNumber(text) {
  const clean = String(text).replace(/[,，\s]/g, "");
  if (clean === "") return null;
  const n = Number(clean);
  return Number.isFinite(n) ? n : null;
}

function format(field, value) {
  if (value === null || value === undefined || (typeof value === "number" && !Number.isFinite(value))) return "";
  if (field.result_type === "boolean" || typeof value === "boolean") {
    const root = document.querySelector("[data-yy-form][data-yes]"); // words from the page, in its language
    return value ? (root?.dataset.yes ?? "Yes") : (root?.dataset.no ?? "No");
  }
  if (field.numeric && typeof value === "number") {
    const f = 10 ** field.scale;
    const rounded = Math.round((value + Math.sign(value) * Number.EPSILON) * f) / f;
    return rounded.toLocaleString("en-US", { minimumFractionDigits: field.scale, maximumFractionDigits: field.scale });
  }
  return String(value);
}

function readInput(field, scope) {
  const inputs = [...scope.querySelectorAll("input, select, textarea")];
  switch (field.type) {
    case "number": case "money": return inputs.length ? parseNumber(inputs[0].value) : null;
    case "boolean": { const on = inputs.find((i) => i.checked); return on ? on.value === "true" : null; }
    case "multichoice": return inputs.filter((i) => i.checked).map((i) => i.value);
    case "attachment": case "photo": return [];
    case "text": case "textarea": return inputs.length ? inputs[0].value : "";
    default: return inputs.length && inputs[0].value !== "" ? inputs[0].value : null;
  }
}

function emptyOf(field) {
  if (field.type === "text" || field.type === "textarea") return "";
  if (["multichoice", "attachment", "photo", "table"].includes(field.type)) return [];
  return null;
}

function computeAll(fields, ctx, show) {
  // Computed fields may depend on each other in any order: settle in as many passes as there are.
  const computed = fields.filter((f) => f.type === "computed");
  for (let pass = 0; pass < computed.length; pass += 1) {
    for (const f of computed) ctx[f.key] = tryEvaluate(f.expression, ctx, null);
  }
  for (const f of computed) show(f, ctx[f.key]);
}

function register(Alpine) {
  Alpine.data("yyForm", () => {
    let root = null; // the form's element, kept out of Alpine's reactive state
    return {
    config: null,
    init() {
      root = this.$el;
      const script = root.querySelector(":scope > script[type='application/json']");
      this.config = JSON.parse(script.textContent);
      const again = () => this.recalc();
      root.addEventListener("input", again);
      root.addEventListener("change", again);
      this.recalc();
    },
    fieldBox(key) { return root.querySelector(`[data-yy-field="${key}"]`); },
    tableBody(key) { return this.fieldBox(key).querySelector("tbody[data-yy-rows]"); },
    removeItem(event) { event.target.closest("li").remove(); },
    addRow(key) {
      const box = this.fieldBox(key);
      const template = box.querySelector("template[data-yy-row-template]");
      const row = template.content.firstElementChild.cloneNode(true);
      this.tableBody(key).appendChild(row);
      this.reindex(key);
      if (window.htmx) window.htmx.process(row);
      const first = row.querySelector("input, select, textarea");
      if (first) first.focus();
      this.recalc();
    },
    removeRow(event) {
      const row = event.target.closest("tr[data-yy-row]");
      const key = event.target.closest("[data-yy-field]").dataset.yyField;
      row.remove();
      this.reindex(key);
      this.recalc();
    },
    reindex(key) {
      const name = `${this.config.prefix}${key}`;
      const byName = new RegExp(`^(${esc(name)})\\[(\\d+|__row__)\\]`);
      const byId = new RegExp(`^(#?${esc(idOf(name))})-(\\d+|__row__)-`);
      this.tableBody(key).querySelectorAll(":scope > tr[data-yy-row]").forEach((tr, i) => {
        const number = tr.querySelector("[data-yy-row-number]");
        if (number) number.textContent = String(i + 1);
        tr.querySelectorAll("*").forEach((el) => {
          for (const attr of ["name", "data-yy-error"]) {
            if (el.hasAttribute(attr)) el.setAttribute(attr, el.getAttribute(attr).replace(byName, `$1[${i}]`));
          }
          for (const attr of ["id", "for", "list", "hx-target"]) {
            if (el.hasAttribute(attr)) el.setAttribute(attr, el.getAttribute(attr).replace(byId, `$1-${i}-`));
          }
        });
      });
    },
    recalc() {
      const fields = this.config.fields;
      const ctx = {};
      const inputs = {};
      for (const f of fields) {
        const box = this.fieldBox(f.key);
        if (!box) continue;
        const visible = !f.visible_if || Boolean(tryEvaluate(f.visible_if, ctx, false));
        box.hidden = !visible;
        if (!visible) { ctx[f.key] = emptyOf(f); continue; }
        if (f.type === "table") ctx[f.key] = this.readRows(f, inputs);
        else if (f.type === "computed") ctx[f.key] = null;
        else { ctx[f.key] = readInput(f, box); inputs[f.key] = ctx[f.key]; }
      }
      for (const f of fields.filter((x) => x.type === "table")) this.computeRows(f, ctx, inputs);
      computeAll(fields, ctx, (f, value) => {
        const out = this.fieldBox(f.key)?.querySelector(`[data-yy-computed="${f.key}"] output`);
        if (out) out.textContent = format(f, value);
      });
    },
    readRows(table) {
      const body = this.tableBody(table.key);
      return [...body.querySelectorAll(":scope > tr[data-yy-row]")].map((tr) => {
        const row = { _tr: tr };
        for (const c of table.columns) {
          const cell = tr.querySelector(`[data-yy-cell="${c.key}"]`);
          row[c.key] = c.type === "computed" || !cell ? null : readInput(c, cell);
        }
        return row;
      });
    },
    computeRows(table, ctx, inputs) {
      const rows = ctx[table.key] || [];
      for (const row of rows) {
        const tr = row._tr;
        delete row._tr;
        computeAll(table.columns, Object.assign(row, { ...inputs, ...row }), (c, value) => {
          const out = tr.querySelector(`[data-yy-cell="${c.key}"] output`);
          if (out) out.textContent = format(c, value);
        });
        for (const key of Object.keys(inputs)) if (!table.columns.some((c) => c.key === key)) delete row[key];
      }
      const box = this.fieldBox(table.key);
      for (const c of table.columns) {
        const cell = box.querySelector(`tfoot [data-yy-total="${c.key}"]`);
        if (!cell) continue;
        if (!c.numeric || !c.total) { cell.textContent = ""; continue; }
        const total = rows.reduce((t, r) => t + (typeof r[c.key] === "number" ? r[c.key] : 0), 0);
        cell.textContent = format(c, total);
      }
    },
    };
  });
}

if (!window.yyFormRuntime) {
  window.yyFormRuntime = true;
  if (window.Alpine) register(window.Alpine);
  else document.addEventListener("alpine:init", () => register(window.Alpine));
}
