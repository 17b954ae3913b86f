import "./text-encoding.js";
export * from "../gen/p2p/v1/admin_pb.js";
