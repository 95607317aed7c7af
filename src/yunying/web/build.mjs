// Bundle the front-end entry points into static/dist (no CDN at run time).
import * as esbuild from "esbuild";
import { cpSync, mkdirSync } from "node:fs";
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
console.log("built", out);
