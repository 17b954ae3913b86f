/**
 * The gRPC floor: a bare grpc-js unary echo (bytes in, same bytes out, no protobuf), so the
 * round trip measures grpc-js and loopback only. Prints {"port": N} when listening.
 */
import * as grpc from "@grpc/grpc-js";
import { exitWithParent } from "../lib/child.js";

exitWithParent();
const identity = (b: Buffer) => b;
export const echoPath = "/bench.Echo/Echo";
const server = new grpc.Server();
server.addService(
  {
    echo: {
      path: echoPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  { echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, call.request) },
);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
