/**
 * Server reflection registered without loading it: @grpc/reflection parses its .proto files
 * with protobufjs and serialises our descriptors when it is added to a server, which cost an
 * idle peer ~4 MiB of heap for a service only `grpcurl` ever calls. Here the two reflection
 * services are registered with pass-through (raw bytes) codecs, and the first call imports the
 * real service (server-reflection.ts), which then decodes, answers and encodes every call.
 */
import { EventEmitter } from "node:events";
import type { DescFile } from "@bufbuild/protobuf";
import { status } from "@grpc/grpc-js";
import type { MethodDefinition, Server, ServerDuplexStream, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";

/** Both versions grpcurl and other clients ask for; the real service implements both. */
const REFLECTION_SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"] as const;
const METHOD = "ServerReflectionInfo";

type AnyMethod = MethodDefinition<unknown, unknown>;
/** What the real service registered for one method path. */
interface RealMethod {
  definition: AnyMethod;
  handler: (stream: ReflectionStream) => void;
}
/** The part of a duplex stream @grpc/reflection's handler uses: data/end events in, write/end out. */
type ReflectionStream = EventEmitter & { write(message: unknown): void; end(): void };

let loads = 0;
/** How many times the real reflection service was loaded in this process (tests: 0 until the first call). */
export function reflectionLoads(): number {
  return loads;
}

/** Adds gRPC server reflection for `files` (plus grpc.health.v1) to `server`; nothing is loaded until a client calls it. */
export function addLazyReflection(server: Server, files: DescFile[]): void {
  let real: Promise<Map<string, RealMethod>> | undefined;
  const load = () => (real ??= loadReal(files));
  for (const service of REFLECTION_SERVICES) {
    const path = `/${service}/${METHOD}`;
    const pass = (b: Buffer) => b;
    const definition: ServiceDefinition = {
      [METHOD]: { path, requestStream: true, responseStream: true, requestSerialize: pass, requestDeserialize: pass, responseSerialize: pass, responseDeserialize: pass },
    };
    const implementation: UntypedServiceImplementation = {
      [METHOD]: (call: ServerDuplexStream<Buffer, Buffer>) => serveThrough(call, load().then((m) => m.get(path)!)),
    };
    server.addService(definition, implementation);
  }
}

async function loadReal(files: DescFile[]): Promise<Map<string, RealMethod>> {
  const { createReflectionService } = await import("./server-reflection.js");
  loads++;
  const methods = new Map<string, RealMethod>();
  // Catch what the real service would register, instead of registering it on the running server.
  const catcher = {
    addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation) {
      for (const [name, m] of Object.entries(definition)) {
        methods.set(m.path, { definition: m as AnyMethod, handler: implementation[name] as RealMethod["handler"] });
      }
    },
  };
  createReflectionService(files).addToServer(catcher as unknown as Server);
  return methods;
}

/** Feeds the raw call's messages, in order, to the real handler once it has loaded, and encodes its answers. */
function serveThrough(call: ServerDuplexStream<Buffer, Buffer>, method: Promise<RealMethod>): void {
  const inner = new EventEmitter() as ReflectionStream;
  let chain = method.then((m) => {
    inner.write = (message) => {
      if (!call.cancelled) call.write(m.definition.responseSerialize(message));
    };
    inner.end = () => call.end();
    m.handler(inner);
    return m;
  });
  chain.catch((err: unknown) => call.emit("error", { code: status.INTERNAL, details: `reflection unavailable: ${String(err)}` }));
  // A failed load was reported above; later links would reject the same way and must not go unhandled.
  const then = (step: (m: RealMethod) => void) => {
    chain = chain.then((m) => {
      step(m);
      return m;
    });
    chain.catch(() => {});
  };
  call.on("data", (bytes: Buffer) => then((m) => inner.emit("data", m.definition.requestDeserialize(bytes))));
  call.on("end", () => then(() => inner.emit("end")));
}
