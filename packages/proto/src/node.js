import "./text-encoding.js";
export * from "../gen/p2p/v1/node_pb.js";
