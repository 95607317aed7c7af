// The form designer (yyforms/designer.html): a palette of field types, a canvas of fields ordered by drag
// and drop, a properties panel, a live preview rendered by the server, save draft → publish.
// The field list is exactly the JSON the server stores; the server checks it on every save.

const INT_PROPS = ["min_length", "max_length", "decimals", "max_files", "min_rows", "max_rows"];
const NUMBER_BOUNDS = ["number", "money", "multichoice"];

function csrf() {
  const meta = document.querySelector("meta[name=csrf-token]");
  return meta ? meta.content : "";
}

async function send(url, method, body) {
  const response = await fetch(url, {
    method,
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const text = await response.text();
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = { detail: text }; }
  return { ok: response.ok, status: response.status, data };
}

function normalise(field, allowed, inTable) {
  const out = {};
  for (const [prop, raw] of Object.entries(field)) {
    if (prop.startsWith("_")) continue;
    if (!allowed.has(prop) && !(inTable && prop === "total")) continue;
    let value = raw;
    if (value === "" || value === null || value === undefined) continue;
    if ((prop === "required" || prop === "total") && value === false) continue;
    if (inTable && prop === "visible_if") continue;
    if (INT_PROPS.includes(prop) && /^-?\d+$/.test(String(value))) value = Number(value);
    if ((prop === "min" || prop === "max") && NUMBER_BOUNDS.includes(field.type) && /^-?\d+(\.\d+)?$/.test(String(value))) value = Number(value);
    if (prop === "max_size_mb" && /^\d+(\.\d+)?$/.test(String(value))) value = Number(value);
    if (prop === "accept" && typeof value === "string") value = value.split(/[\s,，]+/).filter(Boolean);
    if (prop === "choices") value = value.map((c) => ({ value: c.value, label_zh: c.label_zh, ...(c.label_en ? { label_en: c.label_en } : {}) }));
    out[prop] = value;
  }
  if (field.type === "table") out.columns = (field.columns || []).map((c) => normalise(c, allowedFor(c.type), true));
  return out;
}

let TYPES = {};
const COMMON = ["key", "type", "label_zh", "label_en", "required", "help_zh", "help_en", "visible_if"];
function allowedFor(type) { return new Set([...COMMON, ...((TYPES[type] || {}).props || [])]); }

function register(Alpine) {
  Alpine.data("formDesigner", () => ({
    state: null,
    fields: [],
    selected: null, // {field: index, column: index|null}
    errors: [],
    message: "",
    messageKind: "success",
    savedJson: "",
    busy: false,
    tab: "canvas",
    dropIndex: null,
    previewHtml: "",
    previewTimer: null,

    init() {
      this.state = JSON.parse(document.getElementById("designer-state").textContent);
      TYPES = Object.fromEntries(this.state.types.map((t) => [t.type, t]));
      this.fields = JSON.parse(JSON.stringify(this.state.fields));
      if (this.fields.length) this.selected = { field: 0, column: null };
      this.savedJson = JSON.stringify(this.payload());
      this.$watch("fields", () => this.schedulePreview(), { deep: true });
      // The CSP build has no x-html: the preview (server-rendered HTML) is set here.
      this.$watch("previewHtml", (html) => { if (this.$refs.preview) this.$refs.preview.innerHTML = html; });
      window.addEventListener("beforeunload", (e) => { if (this.dirty) e.preventDefault(); });
    },

    get dirty() { return JSON.stringify(this.payload()) !== this.savedJson; },

    // ----- selection and properties
    get sel() {
      if (!this.selected) return null;
      const field = this.fields[this.selected.field];
      if (!field) return null;
      if (this.selected.column === null) return field;
      return (field.columns || [])[this.selected.column] || null;
    },
    get selPath() {
      if (!this.sel) return "";
      if (this.selected.column === null) return this.sel.key;
      return `${this.fields[this.selected.field].key}.${this.sel.key}`;
    },
    inColumn() { return this.selected && this.selected.column !== null; },
    has(prop) { return this.sel && allowedFor(this.sel.type).has(prop); },
    typeLabel(type) { return (TYPES[type] || {}).label || type; },
    select(field, column = null) { this.selected = { field, column }; },
    isSelected(field, column = null) { return this.selected && this.selected.field === field && this.selected.column === column; },
    choiceErrors() {
      return this.errors.filter((e) => e.field === this.selPath && e.property.startsWith("choices"));
    },
    columnTypes() { return this.state.types.filter((t) => t.type !== "table"); },
    addColumnFrom(index, event) {
      this.addColumn(index, event.target.value);
      event.target.value = "";
    },
    inputType() {
      const type = this.sel && this.sel.type;
      return type === "date" ? "date" : type === "datetime" ? "datetime-local" : "text";
    },
    propErrors(prop) { return this.errors.filter((e) => e.field === this.selPath && e.property === prop).map((e) => e.message); },
    fieldHasError(index) {
      const key = this.fields[index].key;
      return this.errors.some((e) => e.field === key || e.field.startsWith(`${key}.`) || e.field === `fields[${index}]`);
    },
    knownNames() {
      if (!this.sel) return [];
      if (this.inColumn()) {
        const table = this.fields[this.selected.field];
        const top = this.fields.filter((f) => !["table", "computed"].includes(f.type)).map((f) => f.key);
        return [...table.columns.map((c) => c.key).filter((k) => k !== this.sel.key), ...top];
      }
      return this.fields.map((f) => f.key).filter((k) => k !== this.sel.key);
    },

    // ----- adding, moving, removing
    uniqueKey(type, taken) {
      const base = type === "computed" ? "calc" : type;
      for (let n = 1; ; n += 1) { const key = `${base}_${n}`; if (!taken.includes(key)) return key; }
    },
    newField(type, taken) {
      const field = { key: this.uniqueKey(type, taken), type, label_zh: this.typeLabel(type), label_en: "" };
      if (type === "choice" || type === "multichoice") field.choices = [{ value: "a", label_zh: "选项一", label_en: "" }, { value: "b", label_zh: "选项二", label_en: "" }];
      if (type === "table") field.columns = [{ key: "name", type: "text", label_zh: "名称", label_en: "Name" }];
      if (type === "computed") { field.expression = ""; field.result_type = "number"; }
      return field;
    },
    addField(type, at = null) {
      const field = this.newField(type, this.fields.map((f) => f.key));
      const index = at === null ? this.fields.length : at;
      this.fields.splice(index, 0, field);
      this.select(index);
    },
    addColumn(index, type) {
      if (!type) return;
      const table = this.fields[index];
      table.columns = table.columns || [];
      table.columns.push(this.newField(type, [...table.columns.map((c) => c.key), ...this.fields.map((f) => f.key)]));
      this.select(index, table.columns.length - 1);
    },
    move(index, delta) {
      const to = index + delta;
      if (to < 0 || to >= this.fields.length) return;
      const [field] = this.fields.splice(index, 1);
      this.fields.splice(to, 0, field);
      this.select(to);
    },
    moveColumn(index, column, delta) {
      const columns = this.fields[index].columns;
      const to = column + delta;
      if (to < 0 || to >= columns.length) return;
      const [c] = columns.splice(column, 1);
      columns.splice(to, 0, c);
      this.select(index, to);
    },
    remove() {
      if (!this.selected) return;
      if (this.inColumn()) {
        this.fields[this.selected.field].columns.splice(this.selected.column, 1);
        this.selected = { field: this.selected.field, column: null };
      } else {
        this.fields.splice(this.selected.field, 1);
        this.selected = this.fields.length ? { field: Math.min(this.selected.field, this.fields.length - 1), column: null } : null;
      }
    },
    addChoice() {
      const choices = this.sel.choices || (this.sel.choices = []);
      choices.push({ value: `opt${choices.length + 1}`, label_zh: "", label_en: "" });
    },

    // ----- drag and drop (HTML5): palette → canvas adds, card → canvas moves
    dragType(event, type) { event.dataTransfer.setData("application/x-yy-type", type); event.dataTransfer.setData("text/plain", type); event.dataTransfer.effectAllowed = "copyMove"; },
    dragField(event, index) { event.dataTransfer.setData("application/x-yy-move", String(index)); event.dataTransfer.setData("text/plain", `#${index}`); event.dataTransfer.effectAllowed = "move"; },
    dropPosition(event) {
      const cards = [...this.$refs.canvas.querySelectorAll(":scope > [data-field-card]")];
      const at = cards.findIndex((card) => { const r = card.getBoundingClientRect(); return event.clientY < r.top + r.height / 2; });
      return at === -1 ? cards.length : at;
    },
    dragOver(event) { event.preventDefault(); this.dropIndex = this.dropPosition(event); },
    dragLeave(event) { if (!this.$refs.canvas.contains(event.relatedTarget)) this.dropIndex = null; },
    drop(event) {
      event.preventDefault();
      const at = this.dropPosition(event);
      this.dropIndex = null;
      const type = event.dataTransfer.getData("application/x-yy-type");
      const moved = event.dataTransfer.getData("application/x-yy-move");
      if (type && TYPES[type]) { this.addField(type, at); return; }
      if (moved !== "") {
        const from = Number(moved);
        const [field] = this.fields.splice(from, 1);
        const to = at > from ? at - 1 : at;
        this.fields.splice(to, 0, field);
        this.select(to);
      }
    },

    // ----- server: preview, save, publish
    payload() { return this.fields.map((f) => normalise(f, allowedFor(f.type), false)); },
    schedulePreview() {
      if (this.tab !== "preview") return;
      clearTimeout(this.previewTimer);
      this.previewTimer = setTimeout(() => this.refreshPreview(), 400);
    },
    async refreshPreview() {
      const response = await fetch(this.state.urls.preview, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify({ fields: this.payload() }),
        credentials: "same-origin",
      });
      this.previewHtml = await response.text();
    },
    showPreview() { this.tab = "preview"; this.refreshPreview(); },
    flash(text, kind = "success") { this.message = text; this.messageKind = kind; },
    async save() {
      this.busy = true;
      try {
        const { ok, data } = await send(this.state.urls.save, "PUT", { fields: this.payload() });
        if (!ok) {
          this.errors = data.errors || [];
          this.flash(data.detail || "error", "danger");
          const first = this.errors[0];
          if (first) this.selectPath(first.field);
          return false;
        }
        this.errors = [];
        this.fields = data.fields;
        this.savedJson = JSON.stringify(this.payload());
        this.state.draft_number = data.number;
        this.upsertVersion(data);
        this.flash(this.$refs.savedText.textContent.replace("#", data.number));
        return true;
      } finally { this.busy = false; }
    },
    async publish() {
      if (this.dirty || this.state.draft_number === null) { if (!(await this.save())) return; }
      this.busy = true;
      try {
        const { ok, data } = await send(this.state.urls.publish, "POST", { number: this.state.draft_number });
        if (!ok) { this.errors = data.errors || []; this.flash(data.detail || "error", "danger"); return; }
        this.state.draft_number = null;
        this.upsertVersion(data);
        this.flash(this.$refs.publishedText.textContent.replace("#", data.number));
      } finally { this.busy = false; }
    },
    upsertVersion(version) {
      const list = this.state.versions || (this.state.versions = []);
      const found = list.find((v) => v.number === version.number);
      if (found) Object.assign(found, version); else list.unshift(version);
    },
    selectPath(path) {
      const [top, column] = path.split(".");
      const fieldIndex = this.fields.findIndex((f) => f.key === top);
      const match = /^fields\[(\d+)\]/.exec(top);
      const index = fieldIndex !== -1 ? fieldIndex : match ? Number(match[1]) : -1;
      if (index < 0) return;
      const colIndex = column ? (this.fields[index].columns || []).findIndex((c) => c.key === column) : -1;
      this.select(index, colIndex >= 0 ? colIndex : null);
    },
  }));
}

if (window.Alpine) register(window.Alpine);
else document.addEventListener("alpine:init", () => register(window.Alpine));
