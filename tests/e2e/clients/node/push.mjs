// A job that pushes with prom-client's Pushgateway, the way Node.js users do:
//   node push.mjs URL push|pushAdd|delete [gzip]
// push is PUT, pushAdd POST, delete DELETE; "gzip" sends the body gzip-compressed
// (prom-client compresses when its Content-Encoding header says gzip).
import client from "prom-client";

const [url, mode, compression] = process.argv.slice(2);
const registry = new client.Registry();
const jobs = new client.Counter({ name: "node_jobs_total", help: "Jobs done.", labelNames: ["queue"], registers: [registry] });
jobs.inc({ queue: "q1" }, 3);
const latency = new client.Histogram({ name: "node_latency_seconds", help: "Latency.", buckets: [0.1, 1], registers: [registry] });
for (const v of [0.05, 0.5, 2]) latency.observe(v);
const size = new client.Summary({ name: "node_size_bytes", help: "Sizes.", percentiles: [0.5], registers: [registry] });
size.observe(10);
size.observe(20);
new client.Gauge({ name: "node_last_value", help: "Last.", registers: [registry] }).set(7);

const options = compression === "gzip" ? { headers: { "Content-Encoding": "gzip" } } : {};
const gateway = new client.Pushgateway(url, options, registry);
const params = { jobName: "nodejob", groupings: { stage: "dev" } };
try {
  if (mode === "push") await gateway.push(params);
  else if (mode === "pushAdd") await gateway.pushAdd(params);
  else if (mode === "delete") await gateway.delete(params);
  else throw new Error(`unknown mode ${mode}`);
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
