/**
 * The Connect floor: a bare connect-node server on HTTP/1.1 whose NodeService.Get echoes the
 * key back without touching a DHT, so a request costs what the peer's public API costs in
 * framing and (de)serialisation alone. Prints {"port": N} when listening.
 */
import { createServer } from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { NodeService } from "@p2p/proto/node";
import { exitWithParent } from "../lib/child.js";

exitWithParent();
const handler = connectNodeAdapter({
  routes(router) {
    router.service(NodeService, {
      get: (req) => ({ key: req.key, position: "", value: req.key }),
    });
  },
});
const server = createServer(handler);
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  console.log(JSON.stringify({ port: typeof addr === "object" && addr ? addr.port : 0 }));
});
