import "./text-encoding.js";
export * from "../gen/p2p/v1/fleet_pb.js";
