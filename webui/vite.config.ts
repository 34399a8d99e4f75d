import { defineConfig } from "vite";
import preact from "@preact/preset-vite";

// The JobManager serves dist/ at `/` (compiled into the weir binary). `npm run dev` serves the app
// with hot reload and forwards the REST API to a JobManager on WEIR_REST (default 127.0.0.1:8081).
const rest = `http://${process.env.WEIR_REST ?? "127.0.0.1:8081"}`;
const api = ["/overview", "/config", "/jobs", "/taskmanagers", "/jobmanager", "/metrics"];

export default defineConfig({
  plugins: [preact()],
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: Object.fromEntries(api.map((p) => [p, rest])) },
});
