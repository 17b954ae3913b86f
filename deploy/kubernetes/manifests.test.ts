/**
 * Offline checks of deploy/kubernetes, no cluster needed: every object is valid against the
 * Kubernetes API schemas (kubernetes-models' validators, plus TypeScript's excess-property
 * check for unknown fields, which the API server's strict field validation refuses), the
 * objects point at each other correctly (selectors, ports, volumes, the headless Service), and
 * the peer accepts its flags and its ConfigMap through its own config loader and schema.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { loadPeerConfig } from "../../apps/peer/src/config/load-peer-config.js";
import { CONFIG_ENV } from "../../apps/peer/src/config/peer-usage.js";
import { SETTING_KEYS, SETTING_SOURCES, crossFieldProblems, parseHostPort, peerSettingsSchema } from "../../apps/peer/src/config/peer-config.js";
import { kubeObjects, matches, podsOf, workloads, type Container, type KubeObject, type Probe, type Workload } from "./manifest-set.js";

const dir = dirname(fileURLToPath(import.meta.url));
const objects = kubeObjects(dir);
const kustomization = parseYaml(readFileSync(join(dir, "kustomization.yaml"), "utf8")) as { resources?: string[]; namespace?: string };
const where = (o: KubeObject) => `${o.file}: ${o.kind}/${o.metadata.name}`;
const ofKind = (kind: string) => objects.filter((o) => o.kind === kind);
const one = (kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(o, `no ${kind} named ${name}`);
  return o;
};

const peers = ofKind("StatefulSet")[0] as Workload;
const peerContainer = peers.spec.template.spec.containers.find((c) => c.name === "peer")!;

test("the kustomization lists every manifest, and only those", () => {
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml").sort();
  assert.deepEqual([...(kustomization.resources ?? [])].sort(), files);
  assert.ok(objects.length >= 7, `only ${objects.length} objects`);
});

test("every object is valid against its Kubernetes API schema", async () => {
  for (const o of objects) {
    const module = (await import(`kubernetes-models/${o.apiVersion}/${o.kind}`).catch(() => undefined)) as
      | Record<string, new (data: unknown) => { validate(): void }>
      | undefined;
    assert.ok(module?.[o.kind], `${where(o)}: no schema for ${o.apiVersion} ${o.kind}`);
    assert.doesNotThrow(() => new module[o.kind]!(o.raw).validate(), `${where(o)} is not a valid ${o.kind}`);
  }
});

test("no object has a field its kind does not know", () => {
  // kubernetes-models' validators accept unknown fields; kubectl apply (strict field
  // validation) refuses them. Each object is type-checked as an object literal of its model's
  // interface, so a misspelt field (readinesProbe) is an excess property.
  const imports = objects.map((o, i) => `import type { I${o.kind} as T${i} } from "kubernetes-models/${o.apiVersion}/${o.kind}";`);
  const lines = [...imports];
  const ranges: { from: number; to: number; o: KubeObject }[] = [];
  objects.forEach((o, i) => {
    const body = `export const o${i}: T${i} = ${JSON.stringify(o.raw, null, 1)};`.split("\n");
    ranges.push({ from: lines.length, to: lines.length + body.length, o });
    lines.push(...body);
  });
  const file = join(dir, "__manifest-types__.ts");
  const text = lines.join("\n");
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["lib.es2022.d.ts"],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists } = host;
  host.getSourceFile = (f, lang, ...rest) => (f === file ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest));
  host.fileExists = (f) => f === file || fileExists.call(host, f);
  const program = ts.createProgram([file], options, host);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const o = ranges.find((r) => line >= r.from && line < r.to)?.o;
    return `${o ? where(o) : "?"}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`;
  });
  assert.deepEqual(problems, []);
});

test("namespace-agnostic: no object names a namespace", () => {
  assert.equal(kustomization.namespace, undefined);
  for (const o of objects) assert.equal(o.metadata.namespace, undefined, `${where(o)} sets a namespace`);
});

test("workload selectors match their own pod labels", () => {
  for (const w of workloads(objects)) {
    assert.ok(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${where(w)}: selector does not match its pods`);
  }
});

test("every Service selects pods, and its targetPorts are ports of their containers", () => {
  for (const svc of ofKind("Service")) {
    const pods = podsOf(objects, svc.spec.selector);
    assert.ok(pods.length > 0, `${where(svc)}: selects no pods`);
    for (const w of pods) {
      const ports = w.spec.template.spec.containers.flatMap((c) => c.ports ?? []);
      for (const p of svc.spec.ports as { name: string; targetPort?: string | number; port: number }[]) {
        const target = p.targetPort ?? p.port;
        const found = ports.find((cp) => (typeof target === "string" ? cp.name === target : cp.containerPort === target));
        assert.ok(found, `${where(svc)}: port ${p.name} targets ${target}, not a port of ${where(w)}`);
      }
    }
  }
});

test("the StatefulSet's service is headless, publishes starting peers and selects them", () => {
  const svc = one("Service", peers.spec.serviceName!);
  assert.equal(svc.spec.clusterIP, "None");
  assert.equal(svc.spec.publishNotReadyAddresses, true, "peers must find each other before they are Ready");
  assert.ok(podsOf(objects, svc.spec.selector).includes(peers));
});

test("peers are scaled down one at a time, each leaving before the next", () => {
  // Parallel would stop them together, handing records to peers that are leaving too.
  assert.notEqual(peers.spec.podManagementPolicy, "Parallel");
});

test("probes ask the container's own ports; the peer's ask /readyz and /healthz on its HTTP port (its gRPC port is TLS with client certificates, which Kubernetes' gRPC probes cannot speak)", () => {
  for (const w of workloads(objects)) {
    for (const c of w.spec.template.spec.containers) {
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) {
        const probe: Probe | undefined = c[kind];
        if (!probe) continue;
        const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
        const found = (c.ports ?? []).find((p) => (typeof port === "string" ? p.name === port : p.containerPort === port));
        assert.ok(found, `${where(w)}: ${c.name}'s ${kind} asks port ${port}, not one of its ports`);
        if (probe.grpc) assert.equal(found.name, "grpc", `${where(w)}: the gRPC probe must ask the peer-to-peer gRPC port`);
      }
    }
    if (w === peers) {
      for (const kind of ["startupProbe", "readinessProbe"] as const) assert.equal(peerContainer[kind]?.httpGet?.path, "/readyz", `the peer's ${kind}`);
      assert.equal(peerContainer.livenessProbe?.httpGet?.path, "/healthz", "the peer's livenessProbe");
      for (const kind of ["startupProbe", "readinessProbe", "livenessProbe"] as const) assert.equal(peerContainer[kind]?.grpc, undefined, `the peer's ${kind} must not be a gRPC probe`);
    }
  }
});

test("every volume mount names a volume or claim template, and every ConfigMap exists", () => {
  for (const w of workloads(objects)) {
    const spec = w.spec.template.spec;
    const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
    const claims = new Set((w.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name));
    for (const c of spec.containers) {
      for (const m of c.volumeMounts ?? []) {
        assert.ok(volumes.has(m.name) || claims.has(m.name), `${where(w)}: mount ${m.name} has no volume`);
        assert.equal(m.subPath, undefined, `${where(w)}: a subPath mount never sees ConfigMap updates`);
      }
      for (const e of c.env ?? []) if (e.valueFrom?.configMapKeyRef) one("ConfigMap", e.valueFrom.configMapKeyRef.name);
    }
    for (const v of volumes.values()) if (v.configMap) one("ConfigMap", v.configMap.name);
  }
});

test("the PDB covers the peers and keeps a quorum of every replica set up", () => {
  const [pdb] = ofKind("PodDisruptionBudget");
  assert.ok(pdb);
  assert.deepEqual(podsOf(objects, pdb.spec.selector.matchLabels), [peers]);
  const s = peerSettingsSchema.parse(peerConfigFile());
  // A replica set has R members; a write needs W of them up, a read Rq.
  const safe = s.replicationFactor - Math.max(s.writeQuorum, s.readQuorum);
  assert.equal(pdb.spec.minAvailable, undefined, "use maxUnavailable: it stays right when the peers are scaled");
  assert.ok(safe >= 1, `R=${s.replicationFactor} W=${s.writeQuorum} Rq=${s.readQuorum} leave no peer to disrupt`);
  assert.ok(pdb.spec.maxUnavailable >= 1 && pdb.spec.maxUnavailable <= safe, `maxUnavailable ${pdb.spec.maxUnavailable} > R - max(W, Rq) = ${safe}`);
});

test("the ConfigMap's peer.json passes the peer's settings schema and fits the volume", () => {
  const settings = peerSettingsSchema.parse(peerConfigFile());
  assert.deepEqual(crossFieldProblems(settings), []);
  const claim = peers.spec.volumeClaimTemplates![0]!;
  assert.ok(settings.diskQuotaBytes < quantityBytes(claim.spec.resources.requests.storage), "diskQuotaBytes must stay under the data volume");
});

test("the peer's args and env are flags and variables it accepts, and its own loader accepts them", () => {
  const known = new Set([...SETTING_KEYS.map((k) => SETTING_SOURCES[k].flag), "config", "grpc_port"]);
  const flags = (peerContainer.args ?? []).filter((a) => a.startsWith("--")).map((a) => a.slice(2).split("=")[0]!);
  for (const f of flags) assert.ok(known.has(f), `--${f}: the peer has no such flag`);
  const knownEnv = new Set([...SETTING_KEYS.map((k) => SETTING_SOURCES[k].env), CONFIG_ENV]);
  for (const e of peerContainer.env ?? []) if (e.name.startsWith("P2P_")) assert.ok(knownEnv.has(e.name), `${e.name}: the peer reads no such variable`);
  assert.equal(peers.spec.template.spec.enableServiceLinks, false, "Service links would set P2P_-like variables the peer may read");

  const pod = materializePod(peers, peerContainer);
  try {
    const loaded = loadPeerConfig(pod.args, pod.env, { cwd: "/" });
    assert.ok("config" in loaded);
    const c = loaded.config;
    const ports = new Map((peerContainer.ports ?? []).map((p) => [p.name, p.containerPort]));
    assert.equal(c.host, "0.0.0.0");
    assert.equal(c.grpcPort, ports.get("grpc"));
    assert.equal(c.port, ports.get("http"));
    assert.equal(c.advertise, `${peers.metadata.name}-0.${peers.spec.serviceName}`, "advertise the pod's stable DNS name");
    assert.equal(loaded.configPath, join(pod.root, "etc/p2p/peer.json"), "--config is the mounted ConfigMap");
    const dataMount = peerContainer.volumeMounts!.find((m) => m.name === peers.spec.volumeClaimTemplates![0]!.metadata.name)!;
    assert.equal(c.dataDir, dataMount.mountPath, "the data dir is the persistent volume");
    // Bootstrap through the headless Service, on its port that reaches the peers' gRPC port.
    assert.equal(c.bootstrap.length, 1);
    const seed = parseHostPort(c.bootstrap[0]!)!;
    const svc = one("Service", peers.spec.serviceName!);
    assert.equal(seed.host, svc.metadata.name);
    assert.equal(svc.spec.ports.find((p: { port: number }) => p.port === seed.port)?.targetPort, "grpc");
    // The kubelet's SIGKILL must not cut the peer's own shutdown deadline short.
    const graceMs = peers.spec.template.spec.terminationGracePeriodSeconds! * 1000;
    assert.ok(graceMs >= c.shutdownTimeoutMs + 5000, `grace ${graceMs} ms leaves no margin over shutdownTimeoutMs ${c.shutdownTimeoutMs}`);
  } finally {
    rmSync(pod.root, { recursive: true, force: true });
  }
});

test("the dashboard crawls from the headless Service, on the peers' HTTP port", () => {
  const dash = one("Deployment", "p2p-dashboard") as Workload;
  const env = dash.spec.template.spec.containers[0]!.env ?? [];
  const seeds = (env.find((e) => e.name === "DASHBOARD_PEERS")?.value ?? "").split(",").filter(Boolean);
  assert.ok(seeds.length > 0, "DASHBOARD_PEERS is empty: the dashboard would show nothing");
  for (const s of seeds) {
    const hp = parseHostPort(s);
    assert.ok(hp, `DASHBOARD_PEERS: ${s} is not host:port`);
    assert.equal(hp.host, peers.spec.serviceName);
    const port = one("Service", hp.host).spec.ports.find((p: { port: number }) => p.port === hp.port);
    assert.equal(port?.targetPort, "http", `DASHBOARD_PEERS: ${s} is not the peers' HTTP port`);
  }
});

test("containers run as non-root on a read-only root file system", () => {
  for (const w of workloads(objects)) {
    assert.equal(w.spec.template.spec.securityContext?.runAsNonRoot, true, where(w));
    for (const c of w.spec.template.spec.containers) {
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${where(w)}: ${c.name}`);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, `${where(w)}: ${c.name}`);
      assert.ok(c.resources?.requests?.memory && c.resources.limits?.memory, `${where(w)}: ${c.name} has no memory request and limit`);
    }
  }
});

test("kustomize renders the directory (kubectl kustomize)", (t) => {
  const r = spawnSync("kubectl", ["kustomize", dir], { encoding: "utf8", timeout: 20_000 });
  if (r.error) {
    t.skip(`kubectl not available (${(r.error as NodeJS.ErrnoException).code}): kustomize rendering not checked`);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const rendered = parseAllDocuments(r.stdout).map((d) => d.toJS() as KubeObject);
  assert.equal(rendered.length, objects.length);
  const images = rendered.flatMap((o) => (o.spec?.template?.spec?.containers ?? []).map((c: Container) => c.image));
  assert.deepEqual(images.sort(), ["p2p-dashboard:latest", "p2p-peer:latest"]);
});

/** The ConfigMap's peer.json, parsed. */
function peerConfigFile(): unknown {
  const volume = peers.spec.template.spec.volumes!.find((v) => v.configMap)!;
  const text = one("ConfigMap", volume.configMap!.name).data?.["peer.json"];
  assert.ok(text, "the peers' ConfigMap has no peer.json");
  return JSON.parse(text);
}

/**
 * A pod's args and env as the kubelet would give them to pod 0, with its ConfigMap volumes
 * written under a temp root and the args' paths into them rewritten to match.
 */
function materializePod(w: Workload, c: Container): { args: string[]; env: Record<string, string>; root: string } {
  const root = mkdtempSync(join(tmpdir(), "p2p-k8s-"));
  const fields: Record<string, string> = { "metadata.name": `${w.metadata.name}-0`, "metadata.namespace": "default", "status.podIP": "10.0.0.10" };
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) env[e.name] = e.value ?? fields[e.valueFrom?.fieldRef?.fieldPath ?? ""] ?? "";
  const mounts: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const cm = w.spec.template.spec.volumes?.find((v) => v.name === m.name)?.configMap;
    if (!cm) continue;
    mkdirSync(join(root, m.mountPath), { recursive: true });
    for (const [k, v] of Object.entries(one("ConfigMap", cm.name).data as Record<string, string>)) writeFileSync(join(root, m.mountPath, k), v);
    mounts.push(m.mountPath);
  }
  const expand = (s: string) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, name: string) => env[name] ?? all);
  const args = (c.args ?? []).map(expand).map((a) => (mounts.some((m) => a.startsWith(`${m}/`)) ? join(root, a) : a));
  return { args, env, root };
}

/** "10Gi" → bytes (the binary and decimal suffixes Kubernetes quantities use for sizes). */
function quantityBytes(q: string): number {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  assert.ok(m, `unsupported quantity ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? ""] ?? 1;
  return Number(m[1]) * unit;
}
