/**
 * gRPC server reflection (so `grpcurl list` works) fed from the descriptors protobuf-es
 * embeds in the generated code: no .proto files are needed at run time.
 */
import { toBinary } from "@bufbuild/protobuf";
import type { DescFile } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ReflectionService } from "@grpc/reflection";
import { service as healthService } from "grpc-health-check";

type ReflectionPackage = ConstructorParameters<typeof ReflectionService>[0];

/** Serialized FileDescriptorProtos of `files` and everything they import, dependencies first. */
export function fileDescriptorProtos(files: DescFile[]): Buffer[] {
  const seen = new Set<string>();
  const out: Buffer[] = [];
  const visit = (file: DescFile): void => {
    if (seen.has(file.name)) return;
    seen.add(file.name);
    for (const dep of file.dependencies) visit(dep);
    out.push(Buffer.from(toBinary(FileDescriptorProtoSchema, file.proto)));
  };
  files.forEach(visit);
  return out;
}

/**
 * A reflection service describing `files` plus grpc.health.v1 (whose descriptor
 * grpc-health-check loaded with proto-loader). @grpc/reflection only reads each entry's
 * `fileDescriptorProtos`, so a minimal package definition is enough.
 */
export function createReflectionService(files: DescFile[]): ReflectionService {
  const pkg = {
    generated: { fileDescriptorProtos: fileDescriptorProtos(files) },
    "grpc.health.v1.HealthCheckRequest": healthService["Check"]!.requestType,
  } as unknown as ReflectionPackage;
  return new ReflectionService(pkg);
}
