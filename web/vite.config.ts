import { defineConfig } from "vite";

// Served under /app/ (parley dev, and the CloudFront distribution's default root).
export default defineConfig({
  base: "/app/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs, so the CSP can stay strict
    modulePreload: { polyfill: false }, // the polyfill is an inline script
  },
});
