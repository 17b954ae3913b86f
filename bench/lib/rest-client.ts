/** A keep-alive HTTP/1.1 client for the peer's REST routes (POST /store_data, GET /get_data/<key>). */
import { Agent, request } from "node:http";

export interface RestClient {
  put(key: string, value: string): Promise<void>;
  get(key: string): Promise<string>;
  close(): void;
}

export function restClient(httpAddress: string, timeoutMs = 5000): RestClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const call = (method: string, path: string, body?: string) =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        `http://${httpAddress}${path}`,
        { method, agent, timeout: timeoutMs, headers: body === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (c: string) => (text += c));
          res.on("end", () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${method} ${path}: HTTP ${res.statusCode} ${text}`))));
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on("error", reject);
      req.end(body);
    });
  return {
    async put(key, value) {
      await call("POST", "/store_data", JSON.stringify({ key, value }));
    },
    async get(key) {
      return call("GET", `/get_data/${encodeURIComponent(key)}`);
    },
    close() {
      agent.destroy();
    },
  };
}
