// Render tests of the Helm chart: the real `helm` renders it, every manifest must parse
// without duplicate keys and validate against the Kubernetes (and Prometheus Operator)
// schemas, and the assertions check what a working install needs. Run by
// deploy/test/run.sh (HELM points at the helm binary).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml, parseAllDocuments, stringify as toYaml } from "yaml";

const here = path.dirname(fileURLToPath(import.meta.url));
const chartDir = path.resolve(here, "../helm/metrics-accumulator");
const helm = process.env.HELM ?? "helm";
const ciValues = readdirSync(path.join(chartDir, "ci")).filter((f) => f.endsWith("-values.yaml"));

// Endpoints the server really serves (SPEC §3.4); probes must use these.
const LIVENESS_PATHS = ["/health", "/-/healthy", "/api/v1/liveness"];
const READINESS_PATHS = ["/ready", "/-/ready", "/api/v1/readiness"];

function run(args) {
  const r = spawnSync(helm, args, { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function parseManifests(text) {
  const out = [];
  for (const doc of parseAllDocuments(text, { uniqueKeys: true })) {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.join("; ")}`);
    const obj = doc.toJS();
    if (obj) out.push(obj);
  }
  return out;
}

function render(args = [], release = "metrics-accumulator") {
  const r = run(["template", release, chartDir, "--namespace", "default", ...args]);
  assert.equal(r.status, 0, `helm template failed: ${r.stderr}`);
  return parseManifests(r.stdout);
}

function renderFails(args) {
  const r = run(["template", "metrics-accumulator", chartDir, ...args]);
  assert.notEqual(r.status, 0, "expected helm template to fail");
  return r.stderr;
}

function find(docs, kind) {
  const found = docs.filter((d) => d.kind === kind);
  assert.equal(found.length, 1, `expected one ${kind}, found ${found.length}`);
  return found[0];
}

function container(docs) {
  return find(docs, "Deployment").spec.template.spec.containers[0];
}

async function modelFor(apiVersion, kind) {
  const module = apiVersion === "monitoring.coreos.com/v1"
    ? await import(`@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/${kind}`)
    : await import(`kubernetes-models/${apiVersion}/${kind}`);
  return module[kind];
}

test("helm lint --strict passes for every ci values file", () => {
  for (const file of ciValues) {
    const r = run(["lint", "--strict", chartDir, "-f", path.join(chartDir, "ci", file)]);
    assert.equal(r.status, 0, `${file}: ${r.stdout}${r.stderr}`);
  }
});

test("every rendered manifest has no duplicate keys and validates against its schema", async () => {
  for (const file of ciValues) {
    const docs = render(["-f", path.join(chartDir, "ci", file)]);
    assert.ok(docs.length >= 4, `${file}: too few manifests`);
    for (const doc of docs) {
      const Model = await modelFor(doc.apiVersion, doc.kind);
      assert.ok(Model, `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file}: ${doc.kind} ${doc.metadata.name}`);
    }
    // Every container keeps the arguments the server needs, whatever else is set.
    const args = container(docs).args;
    assert.match(args[0], /^--config-file=\/etc\/metrics-accumulator\/config\/metrics-accumulator\.yml$/);
    assert.ok(args.some((a) => a.startsWith("--listen=0.0.0.0:")), file);
    // A data directory, or shared state in Redis named in the config (never both).
    const config = find(docs, "ConfigMap").data["metrics-accumulator.yml"];
    const shared = /\n  redis:\n/.test(config);
    assert.equal(args.some((a) => a.startsWith("--data-dir=")), !shared, file);
  }
});

test("schema validation catches a wrong manifest (the check can fail)", async () => {
  const Deployment = await modelFor("apps/v1", "Deployment");
  const bad = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "two" } };
  assert.throws(() => new Deployment(bad).validate());
});

test("duplicate keys are caught by the manifest parser (the check can fail)", () => {
  assert.throws(() => parseManifests("a: 1\nvolumes: []\nvolumes: []\n"));
});

test("defaults: the Service and labels the seed's troubleshooting commands use", () => {
  const docs = render();
  const svc = find(docs, "Service");
  // kubectl get svc metrics-accumulator; target metrics-accumulator.default.svc.cluster.local:8080
  assert.equal(svc.metadata.name, "metrics-accumulator");
  assert.equal(svc.spec.ports[0].port, 8080);
  assert.equal(svc.spec.type, "ClusterIP");
  // kubectl get pods -l app.kubernetes.io/name=metrics-accumulator
  const pod = find(docs, "Deployment").spec.template.metadata;
  assert.equal(pod.labels["app.kubernetes.io/name"], "metrics-accumulator");
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(pod.labels[k], v);
  assert.equal(find(docs, "Deployment").spec.replicas, 1);
});

test("the seed's install command names everything after the release", () => {
  const docs = render([], "my-metrics-accumulator");
  assert.equal(find(docs, "Service").metadata.name, "my-metrics-accumulator");
  assert.equal(find(docs, "Deployment").metadata.name, "my-metrics-accumulator");
});

test("the server gets its config file from the ConfigMap", () => {
  const docs = render();
  const c = container(docs);
  const configArg = c.args.find((a) => a.startsWith("--config-file="));
  const file = configArg.split("=")[1];
  const mount = c.volumeMounts.find((m) => file.startsWith(m.mountPath + "/"));
  assert.ok(mount, "the config file's directory is mounted");
  assert.equal(mount.subPath, undefined, "a subPath mount would never see ConfigMap updates");
  const volume = find(docs, "Deployment").spec.template.spec.volumes.find((v) => v.name === mount.name);
  const cm = find(docs, "ConfigMap");
  assert.equal(volume.configMap.name, cm.metadata.name);
  const key = path.basename(file);
  assert.ok(cm.data[key].includes("metricGroups:"));
  assert.match(cm.data[key], /hostAddress: metrics-accumulator:8080/);
  assert.equal(c.args.filter((a) => a.startsWith("--config-file")).length, 1);
});

test("probes hit endpoints the server serves, on its port", () => {
  const docs = render();
  const c = container(docs);
  const portNames = c.ports.map((p) => p.name);
  assert.ok(LIVENESS_PATHS.includes(c.livenessProbe.httpGet.path));
  assert.ok(READINESS_PATHS.includes(c.readinessProbe.httpGet.path));
  assert.ok(LIVENESS_PATHS.includes(c.startupProbe.httpGet.path));
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    assert.ok(portNames.includes(probe.httpGet.port), `probe port ${probe.httpGet.port}`);
  }
  const listen = c.args.find((a) => a.startsWith("--listen=")).split(":").pop();
  assert.equal(Number(listen), c.ports[0].containerPort);
});

test("restrictive security context by default", () => {
  const docs = render();
  const pod = find(docs, "Deployment").spec.template.spec;
  const c = container(docs);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.securityContext.runAsUser, 10001);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
  assert.equal(pod.automountServiceAccountToken, false);
});

test("without persistence the data dir is an emptyDir (survives container restarts)", () => {
  const docs = render();
  assert.equal(docs.filter((d) => d.kind === "PersistentVolumeClaim").length, 0);
  const c = container(docs);
  assert.ok(c.args.includes("--data-dir=/data"));
  const volume = find(docs, "Deployment").spec.template.spec.volumes.find((v) => v.name === "data");
  assert.deepEqual(volume.emptyDir, {});
});

test("persistence: the PVC is mounted as the server's data dir, and the rollout is Recreate", () => {
  const docs = render(["-f", path.join(chartDir, "ci/persistence-values.yaml")]);
  const pvc = find(docs, "PersistentVolumeClaim");
  assert.deepEqual(pvc.spec.accessModes, ["ReadWriteOnce"]);
  assert.equal(pvc.spec.resources.requests.storage, "5Gi");
  assert.equal(pvc.spec.storageClassName, "fast-ssd");
  const deployment = find(docs, "Deployment");
  assert.equal(deployment.spec.strategy.type, "Recreate");
  const c = container(docs);
  const dataDir = c.args.find((a) => a.startsWith("--data-dir=")).split("=")[1];
  assert.equal(dataDir, "/var/lib/metrics-accumulator");
  const mount = c.volumeMounts.find((m) => m.mountPath === dataDir);
  const volume = deployment.spec.template.spec.volumes.find((v) => v.name === mount.name);
  assert.equal(volume.persistentVolumeClaim.claimName, pvc.metadata.name);
});

test("persistence with an existing claim creates no PVC", () => {
  const docs = render(["-f", path.join(chartDir, "ci/existing-claim-values.yaml")]);
  assert.equal(docs.filter((d) => d.kind === "PersistentVolumeClaim").length, 0);
  const volume = find(docs, "Deployment").spec.template.spec.volumes.find((v) => v.name === "data");
  assert.equal(volume.persistentVolumeClaim.claimName, "my-claim");
});

test("API keys live in a Secret mounted as files, never in the ConfigMap", () => {
  const docs = render(["-f", path.join(chartDir, "ci/keys-values.yaml")]);
  const secret = find(docs, "Secret");
  assert.equal(Buffer.from(secret.data["admin-api-key"], "base64").toString(), "admin-secret");
  assert.equal(Buffer.from(secret.data.lambda, "base64").toString(), "0d98f65f-074b-4d56-b834-576e15a3bfa5");
  const c = container(docs);
  assert.ok(c.args.includes("--api-key-dir=/etc/metrics-accumulator/keys"));
  const mount = c.volumeMounts.find((m) => m.mountPath === "/etc/metrics-accumulator/keys");
  const volume = find(docs, "Deployment").spec.template.spec.volumes.find((v) => v.name === mount.name);
  assert.equal(volume.secret.secretName, secret.metadata.name);
  assert.ok(!find(docs, "ConfigMap").data["metrics-accumulator.yml"].includes("0d98f65f"));
});

test("existingSecret is mounted and no Secret is rendered", () => {
  const docs = render(["-f", path.join(chartDir, "ci/existing-secret-values.yaml")]);
  assert.equal(docs.filter((d) => d.kind === "Secret").length, 0);
  const volume = find(docs, "Deployment").spec.template.spec.volumes.find((v) => v.name === "keys");
  assert.equal(volume.secret.secretName, "accumulator-keys");
});

test("the ServiceMonitor scrapes /metrics on the Service's port with honorLabels", () => {
  const docs = render(["-f", path.join(chartDir, "ci/everything-values.yaml")]);
  const sm = find(docs, "ServiceMonitor");
  const svc = find(docs, "Service");
  const endpoint = sm.spec.endpoints[0];
  assert.equal(endpoint.path, "/metrics");
  assert.equal(endpoint.honorLabels, true);
  assert.ok(svc.spec.ports.some((p) => p.name === endpoint.port));
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v);
  assert.equal(sm.metadata.labels.release, "kube-prometheus-stack");
});

test("extraArgs add to the required arguments, after them", () => {
  const docs = render(["-f", path.join(chartDir, "ci/everything-values.yaml")]);
  const args = container(docs).args;
  assert.deepEqual(args.slice(-2), ["--log-level=debug", "--threads=8"]);
  assert.ok(args.some((a) => a.startsWith("--config-file=")));
  assert.ok(args.includes("--listen=0.0.0.0:9091"));
  assert.equal(find(docs, "Service").spec.ports[0].port, 80);
});

test("the schema rejects misspelt, mistyped and out-of-range values", () => {
  assert.match(renderFails(["--set", "persistance.enabled=true"]), /persistance/);
  assert.match(renderFails(["--set", "service.port=http"]), /port/);
  assert.match(renderFails(["--set", "image.pullPolicy=Sometimes"]), /pullPolicy/);
  assert.match(renderFails(["--set", "extraArgs[0]=log-level=debug"]), /extraArgs/);
  assert.match(renderFails(["--set", "persistence.size=lots"]), /size/);
});

test("combinations that would split or lose data fail with the reason", () => {
  assert.match(renderFails(["--set", "autoscaling.enabled=true"]), /autoscaling.enabled without redis/);
  assert.match(renderFails(["--set", "redis.url=redis://r:6379", "--set", "persistence.enabled=true"]),
    /Redis is the durable state/);
  assert.match(renderFails(["--set", "redis.url=redis://r:6379", "--set", "redis.deploy=true"]),
    /either redis.url .* or redis.deploy/);
  // A password in the URL would land in the ConfigMap: the schema refuses it.
  assert.notEqual(run(["template", "x", chartDir, "--set", "redis.url=redis://:pw@r:6379"]).status, 0);
  assert.match(renderFails(["--set", "persistence.enabled=true", "--set", "replicaCount=2"]),
    /one data directory cannot be shared/);
  assert.match(renderFails(["--set", "replicaCount=3"]), /serviceMonitor/);
  assert.match(renderFails(["--set", "config.metricGroups.default.apiKey=abc", "--set", "apiKeys.groups.default=xyz"]),
    /"default" is set in both config and apiKeys/);
  assert.match(renderFails(["--set", "config.metricGroups.default.apiKey=abc", "--set", "existingSecret=s"]),
    /config holds API keys \(default\) and existingSecret is set/);
  assert.match(renderFails(["--set", "existingSecret=s", "--set", "apiKeys.admin=x"]), /either existingSecret or apiKeys/);
  // ... while the same switches alone render.
  render(["--set", "replicaCount=2", "--set", "serviceMonitor.enabled=true"]);
  render(["--set", "persistence.enabled=true"]);
  render(["--set", "redis.url=redis://r:6379", "--set", "replicaCount=3", "--set", "autoscaling.enabled=true"]);
});

test("shared state: replicas, an HPA on CPU, a disruption budget and rolling updates that never drop a pod", () => {
  const docs = render(["-f", path.join(chartDir, "ci", "shared-state-values.yaml")]);
  const deployment = find(docs, "Deployment");
  assert.equal(deployment.spec.replicas, undefined, "the HPA owns the replica count");
  assert.deepEqual(deployment.spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
  const hpa = find(docs, "HorizontalPodAutoscaler");
  assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
  assert.equal(hpa.spec.minReplicas, 2);
  assert.equal(hpa.spec.metrics[0].resource.name, "cpu");
  assert.equal(find(docs, "PodDisruptionBudget").spec.minAvailable, 1);
  assert.equal(docs.filter((d) => d.kind === "PersistentVolumeClaim").length, 0);
  const c = container(docs);
  assert.ok(!c.args.some((a) => a.startsWith("--data-dir")), "the server refuses a data dir with Redis");
  // The password comes from its Secret through the environment, never the ConfigMap.
  const env = c.env.find((e) => e.name === "MA_REDIS_PASSWORD");
  assert.deepEqual(env.valueFrom.secretKeyRef, { name: "redis-credentials", key: "redis-password" });
  const config = parseYaml(find(docs, "ConfigMap").data["metrics-accumulator.yml"]);
  assert.deepEqual(config.global.redis, {
    url: "rediss://redis.example.com:6380/0", keyPrefix: "ma",
    password: "${MA_REDIS_PASSWORD}", caFile: "/etc/metrics-accumulator/redis-tls/ca.crt",
  });
  const mount = c.volumeMounts.find((m) => m.name === "redis-tls");
  assert.ok(config.global.redis.caFile.startsWith(mount.mountPath + "/"));
  const volume = deployment.spec.template.spec.volumes.find((v) => v.name === "redis-tls");
  assert.equal(volume.secret.secretName, "redis-ca");
});

test("redis.deploy runs one Redis with its AOF fsynced always, on a PVC, and points the replicas at it", () => {
  const docs = render(["-f", path.join(chartDir, "ci", "redis-deploy-values.yaml")]);
  const sts = find(docs, "StatefulSet");
  const redis = sts.spec.template.spec.containers[0];
  const args = redis.args.join(" ");
  assert.match(args, /--appendonly yes --appendfsync always/);
  assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, "1Gi");
  const services = docs.filter((d) => d.kind === "Service");
  const redisService = services.find((svc) => svc.metadata.name === "metrics-accumulator-redis");
  for (const [k, v] of Object.entries(redisService.spec.selector)) {
    assert.equal(sts.spec.template.metadata.labels[k], v);
  }
  // The accumulator's own Service must not select the Redis pod.
  const own = services.find((svc) => svc.metadata.name === "metrics-accumulator");
  const redisLabels = sts.spec.template.metadata.labels;
  const deploymentLabels = find(docs, "Deployment").spec.template.metadata.labels;
  assert.ok(Object.entries(own.spec.selector).every(([k, v]) => deploymentLabels[k] === v));
  const config = parseYaml(find(docs, "ConfigMap").data["metrics-accumulator.yml"]);
  assert.equal(config.global.redis.url, "redis://metrics-accumulator-redis:6379");
  assert.equal(find(docs, "Deployment").spec.replicas, 2);
  assert.ok(redisLabels["app.kubernetes.io/component"] === "redis");
});

test("NOTES print commands for this server's endpoints", () => {
  const r = run(["install", "--dry-run=client", "my-metrics-accumulator", chartDir,
    "-f", path.join(chartDir, "ci/keys-values.yaml")]);
  assert.equal(r.status, 0, r.stderr);
  const notes = r.stdout.slice(r.stdout.indexOf("NOTES:"));
  assert.match(notes, /port-forward svc\/my-metrics-accumulator 8080:8080/);
  assert.match(notes, /curl -X POST http:\/\/localhost:8080\/update\/lambda/);
  assert.match(notes, /X-API-KEY: \$\(kubectl --namespace default get secret my-metrics-accumulator-keys/);
  assert.match(notes, /http:\/\/localhost:8080\/api\/v1\/metrics/);
  assert.match(notes, /curl http:\/\/localhost:8080\/metrics\n/);
  assert.match(notes, /honor_labels: true/);
});

// The upstream project's own sample file, as a user has it (one group, with its apiKey).
const upstreamFile = path.resolve(here, "../../../shared/testdata/upstream/metrics-accumulator.yml");

function valuesFile(values) {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "chart-values-")), "values.yaml");
  writeFileSync(file, toYaml(values));
  return file;
}

test("config as a string: an upstream file works as it is, its key going to the Secret", () => {
  const docs = render(["--set-file", `config=${upstreamFile}`]);
  const file = parseYaml(find(docs, "ConfigMap").data["metrics-accumulator.yml"]);
  assert.equal(file.metricGroups.default.maxTimeSeries, 2500);
  assert.deepEqual(file.metricGroups.default.serviceDiscoveryLabels, { env: "dev", version: "2.3" });
  assert.equal(file.global.restartCronExpression, "0 0 0 ? * *");
  assert.equal(file.metricGroups.default.apiKey, undefined, "the key must not reach the ConfigMap");
  const secret = find(docs, "Secret");
  assert.equal(Buffer.from(secret.data.default, "base64").toString(), "0d98f65f-074b-4d56-b834-576e15a3bfa5");
  assert.ok(container(docs).args.includes("--api-key-dir=/etc/metrics-accumulator/keys"));
  // A string replaces the chart's default config whole: nothing of values.yaml's is added.
  assert.equal(file.global.seriesTtl, undefined);
  // The same file given as a map renders the same groups and Secret (a map merges with
  // the defaults of values.yaml, as Helm merges maps: their seriesTtl comes along).
  const asMap = render(["-f", valuesFile({ config: parseYaml(readFileSync(upstreamFile, "utf8")) })]);
  const mapFile = parseYaml(find(asMap, "ConfigMap").data["metrics-accumulator.yml"]);
  assert.deepEqual(mapFile.metricGroups, file.metricGroups);
  assert.equal(mapFile.global.seriesTtl, "1h");
  assert.deepEqual(find(asMap, "Secret").data, secret.data);
});

test("config as a string: what the chart can check fails with the reason", () => {
  const fails = (config) => renderFails(["-f", valuesFile({ config })]);
  assert.match(fails("metricGroups: [unclosed\n"), /config: the string is not a YAML map/);
  assert.match(fails("- a list\n"), /config: the string is not a YAML map/);
  assert.match(fails("global:\n  seriesTtl: 1h\n"), /config.metricGroups: the server needs at least one metric group/);
  assert.match(fails("metricGroups:\n  bad name: {}\n"), /config.metricGroups.bad name: a group name is/);
  assert.match(fails("metricGroups:\n  a: {}\nglobals: {}\n"), /config.globals: unknown key/);
  assert.match(fails("metricGroups:\n  a: 3\n"), /config.metricGroups.a must be a map/);
  assert.match(fails(""), /config/);
});

test("keys in config move to the Secret; an environment reference stays", () => {
  const docs = render(["-f", valuesFile({ config: [
    "global:",
    "  adminApiKey: admin-from-file",
    "metricGroups:",
    "  lambda:",
    "    apiKey: ${LAMBDA_KEY}",
    "    readApiKey: reader-from-file",
    "",
  ].join("\n") })]);
  const file = parseYaml(find(docs, "ConfigMap").data["metrics-accumulator.yml"]);
  assert.equal(file.global.adminApiKey, undefined);
  assert.equal(file.metricGroups.lambda.readApiKey, undefined);
  assert.equal(file.metricGroups.lambda.apiKey, "${LAMBDA_KEY}", "a reference is not a key");
  const data = find(docs, "Secret").data;
  assert.deepEqual(Object.keys(data).sort(), ["admin-api-key", "lambda.read"]);
  assert.equal(Buffer.from(data["lambda.read"], "base64").toString(), "reader-from-file");
  assert.equal(Buffer.from(data["admin-api-key"], "base64").toString(), "admin-from-file");
});

// Serves `dir` with Python's static file server on 127.0.0.1 (a port it picks) until
// the returned stop() kills it by its PID.
async function serveStatic(dir) {
  const server = spawn("/usr/bin/python3", ["-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", dir],
    { stdio: ["ignore", "pipe", "pipe"] });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("http.server did not start")), 20000);
    let seen = "";
    server.stdout.on("data", (chunk) => {
      seen += chunk;
      const m = seen.match(/port (\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    server.on("exit", (code) => reject(new Error(`http.server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => { process.kill(server.pid); } };
}

test("the chart as a Helm repository: package, serve, helm repo add and update, render from it", async () => {
  const repo = mkdtempSync(path.join(os.tmpdir(), "chart-repo-"));
  const packaged = spawnSync("bash", [path.resolve(here, "../../tools/package-chart.sh"), repo],
    { encoding: "utf8", env: { ...process.env, HELM: helm } });
  assert.equal(packaged.status, 0, packaged.stderr);
  const index = parseYaml(readFileSync(path.join(repo, "index.yaml"), "utf8"));
  const version = index.entries["metrics-accumulator"][0].version;
  const server = await serveStatic(repo);
  try {
    // A scratch Helm home: nothing of this machine's Helm setup is used or changed.
    const home = mkdtempSync(path.join(os.tmpdir(), "helm-home-"));
    const env = { ...process.env, HELM_CONFIG_HOME: path.join(home, "config"),
      HELM_CACHE_HOME: path.join(home, "cache"), HELM_DATA_HOME: path.join(home, "data") };
    const helmIn = (args) => spawnSync(helm, args, { encoding: "utf8", env });
    let r = helmIn(["repo", "add", "ma-test", server.url]);
    assert.equal(r.status, 0, r.stderr);
    r = helmIn(["repo", "update"]);
    assert.equal(r.status, 0, r.stderr);
    r = helmIn(["search", "repo", "ma-test/metrics-accumulator", "--output", "json"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout)[0].version, version);
    // The README's install command, from the repository.
    r = helmIn(["template", "my-metrics-accumulator", "ma-test/metrics-accumulator", "--namespace", "default"]);
    assert.equal(r.status, 0, r.stderr);
    const docs = parseManifests(r.stdout);
    assert.equal(find(docs, "Service").metadata.name, "my-metrics-accumulator");
    assert.ok(find(docs, "ConfigMap").data["metrics-accumulator.yml"].includes("metricGroups:"));
  } finally {
    server.stop();
  }
});
