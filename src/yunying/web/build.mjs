// Bundle the front-end entry points into static/dist (no CDN at run time).
import * as esbuild from "esbuild";
import { PurgeCSS } from "purgecss";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "static", "dist");
mkdirSync(out, { recursive: true });

await esbuild.build({
  entryPoints: {
    app: join(here, "static_src", "app.js"),
    charts: join(here, "static_src", "charts.js"),
    bpmn: join(here, "static_src", "bpmn.js"),
    bpmn_viewer: join(here, "static_src", "bpmn_viewer.js"),
    form_runtime: join(here, "static_src", "form_runtime.js"),
    form_designer: join(here, "static_src", "form_designer.js"),
    "app-style": join(here, "static_src", "app.css"),
  },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  outdir: out,
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".svg": "file", ".eot": "file" },
  assetNames: "assets/[name]-[hash]",
  logLevel: "warning",
});
cpSync(join(here, "static_src", "favicon.svg"), join(out, "favicon.svg"));

// The page stylesheet keeps only the rules whose classes, ids and elements appear somewhere in the source:
// every template, script and Python module under src/yunying is scanned at each build, so a new page's
// classes are kept without a list kept by hand. Classes that only Tabler's/Bootstrap's own scripts add
// (dropdowns, collapse, modals, tooltips) and the few built from a variable in a template are kept by
// pattern.
const app = join(here, "..");
const styleFile = join(out, "app-style.css");
const [purged] = await new PurgeCSS().purge({
  content: [
    join(app, "**", "*.html"),
    join(app, "**", "*.py"),
    join(here, "static_src", "*.js"),
  ],
  skippedContentGlobs: [join(out, "**"), join(app, "**", "tests", "**")], // tests name classes they expect gone
  css: [{ raw: readFileSync(styleFile, "utf8") }],
  safelist: {
    standard: [
      /^(show|showing|hiding|collapsing|fade|active|disabled)$/,
      /^(modal|dropdown|tooltip|popover|toast|offcanvas|collapse|navbar|nav|bs-)/,
      /^alert-/,
      /^bg-[a-z]+-lt$/,
      /^is-(valid|invalid)$/,
      /^was-validated$/,
    ],
    deep: [/^dropdown-menu/, /^navbar-/],
  },
  keyframes: true,
  fontFace: true,
  variables: false,
});
writeFileSync(styleFile, purged.css);
console.log("built", out);
