/**
 * grpc-js needs a ServiceDefinition (paths and serializers) that protobuf-es does not
 * generate; this builds one from any generated service descriptor, so no other file ever
 * writes a method path or a serializer by hand.
 */
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { DescMessage, DescMethod, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/** One grpc-js method definition per method of S, keyed by its local name (`ping`, `findNode`, …). */
export type GrpcServiceDefinition<S extends GenServiceMethods> = {
  [K in keyof S]: MethodDefinition<MessageShape<S[K]["input"]>, MessageShape<S[K]["output"]>>;
};

function serializer<D extends DescMessage>(schema: D): (value: MessageShape<D>) => Buffer {
  return (value) => {
    const bytes = toBinary(schema, value);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

/**
 * Decoding errors thrown here become INTERNAL (client side) or a rejected call (server side)
 * in grpc-js; malformed bytes never reach a handler. Decoding from a plain Uint8Array view
 * makes bytes fields plain Uint8Arrays rather than Buffers, as the rest of the code expects.
 */
function deserializer<D extends DescMessage>(schema: D): (bytes: Buffer) => MessageShape<D> {
  return (bytes) => fromBinary(schema, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

function methodDefinition(method: DescMethod): MethodDefinition<unknown, unknown> {
  return {
    path: `/${method.parent.typeName}/${method.name}`,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: serializer(method.input) as (v: unknown) => Buffer,
    requestDeserialize: deserializer(method.input),
    responseSerialize: serializer(method.output) as (v: unknown) => Buffer,
    responseDeserialize: deserializer(method.output),
    originalName: method.name,
  };
}

/**
 * The grpc-js definition of a generated service, e.g. `grpcServiceDefinition(PeerService)`
 * with paths such as `/p2p.v1.PeerService/Ping`. Pass it to `server.addService` (with an
 * implementation keyed by local names) or use its paths and serializers on a `grpc.Client`.
 */
export function grpcServiceDefinition<S extends GenServiceMethods>(service: GenService<S>): GrpcServiceDefinition<S> {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) out[method.localName] = methodDefinition(method);
  return out as GrpcServiceDefinition<S>;
}

/** The same definition, typed as grpc-js's untyped ServiceDefinition (what addService wants). */
export function asGrpcServiceDefinition<S extends GenServiceMethods>(def: GrpcServiceDefinition<S>): ServiceDefinition {
  return def as unknown as ServiceDefinition;
}
