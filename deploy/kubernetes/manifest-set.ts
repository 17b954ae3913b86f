/**
 * The Kubernetes objects of a directory of manifests, parsed, with the few lookups the tests
 * need: which workloads a selector picks. Only the fields the checks read are typed; the
 * schemas themselves come from kubernetes-models.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export type Labels = Record<string, string>;

export interface Probe {
  grpc?: { port: number; service?: string };
  httpGet?: { port: number | string; path?: string };
  tcpSocket?: { port: number | string };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string }; configMapKeyRef?: { name: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  startupProbe?: Probe;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean };
}

export interface KubeObject {
  /** The file it came from, for messages. */
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  // The rest differs by kind; the tests read what they check.
  spec?: any;
  data?: Record<string, string>;
  /** The object exactly as written, without `file`. */
  raw: Record<string, unknown>;
}

export interface Workload extends KubeObject {
  kind: "StatefulSet" | "Deployment";
  spec: {
    serviceName?: string;
    podManagementPolicy?: "OrderedReady" | "Parallel";
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels };
      spec: {
        containers: Container[];
        volumes?: { name: string; configMap?: { name: string } }[];
        securityContext?: { runAsNonRoot?: boolean };
        terminationGracePeriodSeconds?: number;
        enableServiceLinks?: boolean;
      };
    };
    volumeClaimTemplates?: { metadata: { name: string }; spec: { resources: { requests: { storage: string } } } }[];
  };
}

/** Every object of every *.yaml in `dir` but kustomization.yaml; fails on a YAML error. */
export function kubeObjects(dir: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== "kustomization.yaml").sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      assert.deepEqual(doc.errors.map((e) => e.message), [], `${file}: YAML errors`);
      const raw = doc.toJS() as Record<string, unknown> | null;
      if (raw === null) continue;
      const o = { ...raw, file, raw } as KubeObject;
      assert.ok(typeof o.apiVersion === "string" && typeof o.kind === "string" && typeof o.metadata?.name === "string", `${file}: an object without apiVersion, kind or name`);
      out.push(o);
    }
  }
  return out;
}

export function workloads(objects: readonly KubeObject[]): Workload[] {
  return objects.filter((o): o is Workload => o.kind === "StatefulSet" || o.kind === "Deployment");
}

/** True when every label of the selector is on `labels` (an empty selector matches nothing here). */
export function matches(selector: Labels | undefined, labels: Labels | undefined): boolean {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

/** The workloads whose pods a Service or PDB selector picks. */
export function podsOf(objects: readonly KubeObject[], selector: Labels | undefined): Workload[] {
  return workloads(objects).filter((w) => matches(selector, w.spec.template.metadata.labels));
}
