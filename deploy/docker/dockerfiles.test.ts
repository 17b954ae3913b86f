/**
 * Checks of the Dockerfiles that need no container engine: multi-stage builds onto the slim
 * runtime image, a numeric non-root user that matches the Kubernetes manifests, node as PID 1
 * in exec form, runtime paths that the build produces, the peer's default flags accepted by
 * its own config loader, and a .dockerignore that keeps build outputs out but sources in.
 * deploy/docker/peer-image.integration.test.ts builds and runs the image when an engine works.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { loadPeerConfig } from "../../apps/peer/src/config/load-peer-config.js";
import { kubeObjects, workloads } from "../kubernetes/manifest-set.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const RUNTIME_IMAGE = "node:20-bookworm-slim";

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function parseDockerfile(path: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = "";
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (/^\s*#/.test(line) || (pending === "" && line.trim() === "")) continue;
    pending += line.replace(/\\\s*$/, " ");
    if (/\\\s*$/.test(line)) continue;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(pending);
    assert.ok(m, `${path}: cannot read ${JSON.stringify(pending)}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
    pending = "";
  }
  return out;
}

/** The instructions after the last FROM. */
function finalStage(instructions: Instruction[]): Instruction[] {
  const last = instructions.map((i) => i.op).lastIndexOf("FROM");
  return instructions.slice(last);
}

const dockerfiles = {
  peer: { file: "peer.Dockerfile", workload: "p2p-peer", program: "apps/peer/dist/main.js" },
  dashboard: { file: "dashboard.Dockerfile", workload: "p2p-dashboard", program: "/app/node_modules/next/dist/bin/next" },
} as const;
const manifests = workloads(kubeObjects(join(root, "deploy/kubernetes")));
const kustomization = parseYaml(readFileSync(join(root, "deploy/kubernetes/kustomization.yaml"), "utf8")) as { images: { name: string }[] };

for (const [name, d] of Object.entries(dockerfiles)) {
  const path = join(here, d.file);
  const all = parseDockerfile(path);
  const runtime = finalStage(all);
  const workload = manifests.find((w) => w.metadata.name === d.workload)!;

  test(`${d.file}: builds in a stage of its own and runs on ${RUNTIME_IMAGE}`, () => {
    const froms = all.filter((i) => i.op === "FROM");
    assert.ok(froms.length >= 2, "multi-stage: the build's tools stay out of the image");
    assert.match(froms[0]!.args, /\bAS build$/);
    assert.ok(all.some((i) => i.op === "RUN" && /\bnpm ci\b/.test(i.args) && /--omit=dev/.test(i.args)), "production dependencies only for the runtime");
    assert.equal(runtime[0]!.args, RUNTIME_IMAGE);
    assert.ok(!runtime.some((i) => i.op === "RUN" && /\bnpm\b/.test(i.args)), "no npm in the runtime stage");
  });

  test(`${d.file}: runs node as PID 1, as the non-root user the manifests expect`, () => {
    const user = runtime.filter((i) => i.op === "USER").at(-1)?.args;
    assert.ok(user && /^\d+(:\d+)?$/.test(user), "a numeric USER lets runAsNonRoot verify it");
    const [uid, gid] = user.split(":").map(Number);
    assert.notEqual(uid, 0);
    const pod = workload.spec.template.spec.securityContext as { runAsUser?: number; runAsGroup?: number };
    assert.equal(pod.runAsUser, uid, `${d.workload}: runAsUser differs from the image's USER`);
    if (gid !== undefined) assert.equal(pod.runAsGroup, gid);
    const command = execCommand(runtime);
    assert.equal(command[0], "node", "node directly: no npm or shell to swallow SIGTERM");
    assert.equal(command[1], d.program);
  });

  test(`${d.file}: the runtime copies what the build produces, and exposes the containers' ports`, () => {
    for (const copy of runtime.filter((i) => i.op === "COPY" && i.args.includes("--from=build"))) {
      const sources = copy.args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1);
      for (const s of sources) {
        const rel = s.replace(/^\/app\/?/, "");
        // dist/ and .next/ are made by the build; their package must exist.
        const made = /(^|\/)(dist|\.next)$/.test(rel) || rel === "node_modules";
        assert.ok(existsSync(join(root, made ? dirname(rel) : rel)), `${d.file}: COPY ${s} has no source in the repository`);
      }
    }
    const exposed = runtime.filter((i) => i.op === "EXPOSE").flatMap((i) => i.args.split(/\s+/).map(Number)).sort();
    const ports = workload.spec.template.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.containerPort)).sort();
    assert.deepEqual(exposed, ports);
    assert.ok(kustomization.images.some((i) => i.name === `p2p-${name}`), `the kustomization has no image p2p-${name}`);
    assert.match(readFileSync(path, "utf8"), new RegExp(`docker build -f deploy/docker/${d.file} -t p2p-${name} \\.`));
  });
}

test("peer.Dockerfile: the default flags bind every interface and are accepted by the peer", () => {
  const runtime = finalStage(parseDockerfile(join(here, dockerfiles.peer.file)));
  const cmd = jsonArray(runtime.filter((i) => i.op === "CMD").at(-1)!.args);
  const loaded = loadPeerConfig(cmd, {}, { cwd: "/app", networkInterfaces: () => ({ eth0: [{ address: "172.17.0.2", family: "IPv4", internal: false, netmask: "255.255.0.0", mac: "02:42:ac:11:00:02", cidr: "172.17.0.2/16" }] }) });
  assert.ok("config" in loaded);
  assert.equal(loaded.config.host, "0.0.0.0");
  const volume = runtime.find((i) => i.op === "VOLUME")?.args;
  assert.equal(loaded.config.dataDir, volume, "the default data dir is the image's volume");
});

test(".dockerignore keeps build outputs and local state out, and the sources in", () => {
  const patterns = readFileSync(join(root, ".dockerignore"), "utf8").split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const ignored = (path: string) =>
    patterns.some((p) => {
      const segments = path.split("/");
      if (p.startsWith("**/")) return segments.includes(p.slice(3));
      return path === p || path.startsWith(`${p}/`);
    });
  for (const out of ["node_modules", "apps/peer/dist", "apps/dashboard/.next", ".git", ".data", ".fleet", "packages/dht/node_modules"]) {
    assert.ok(ignored(out), `${out} is sent to the build`);
  }
  for (const src of ["package.json", "package-lock.json", "tsconfig.base.json", "tsconfig.build.json", "packages/dht/src/index.ts", "packages/proto/gen", "apps/peer/src/main.ts", "apps/dashboard/app/page.tsx", "proto"]) {
    assert.ok(!ignored(src), `${src} is left out of the build`);
  }
});

/** The process the final stage starts: ENTRYPOINT + CMD, both in exec (JSON) form. */
function execCommand(runtime: Instruction[]): string[] {
  const entry = runtime.filter((i) => i.op === "ENTRYPOINT").at(-1);
  const cmd = runtime.filter((i) => i.op === "CMD").at(-1);
  return [...(entry ? jsonArray(entry.args) : []), ...(cmd ? jsonArray(cmd.args) : [])];
}

function jsonArray(args: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    assert.fail(`${args}: not exec form (a JSON array): a shell would be PID 1 and not pass SIGTERM on`);
  }
  assert.ok(Array.isArray(v) && v.every((x) => typeof x === "string"), `${args}: not a JSON array of strings`);
  return v;
}
