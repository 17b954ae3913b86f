/**
 * grpc-js channel credentials that check the server's certificate against the peer ID being
 * dialled. grpc-js's own SSL credentials verify a chain to a CA and then a host name, and Node
 * calls checkServerIdentity only after the chain passed, which a self-signed certificate never
 * does; so the connection is made here (grpc-js's SecureConnector seam, public in its typings),
 * with OpenSSL's chain check off and PeerTls.admit doing the whole check once the handshake
 * is done. A refused server never sees an RPC: the connector fails and grpc-js reports the
 * call UNAVAILABLE with our reason.
 */
import { connect, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { CallCredentials, ChannelCredentials } from "@grpc/grpc-js";
import type { ChannelOptions } from "@grpc/grpc-js";
import type { NodeId } from "@p2p/dht";
import type { PeerTls } from "./peer-tls.js";

interface SecureConnectResult {
  socket: Socket;
  secure: boolean;
}

export class PeerChannelCredentials extends ChannelCredentials {
  constructor(
    private readonly tls: PeerTls,
    /** The peer we mean to reach; undefined to accept any valid peer (a bootstrap address). */
    private readonly expectedId: NodeId | undefined,
    private readonly callCredentials: CallCredentials = CallCredentials.createEmpty(),
  ) {
    super();
  }

  override compose(callCredentials: CallCredentials): ChannelCredentials {
    return new PeerChannelCredentials(this.tls, this.expectedId, this.callCredentials.compose(callCredentials));
  }

  _isSecure(): boolean {
    return true;
  }

  _equals(other: ChannelCredentials): boolean {
    return other === this;
  }

  _createSecureConnector(_target: unknown, _options: ChannelOptions, callCredentials?: CallCredentials) {
    const creds = callCredentials ?? this.callCredentials;
    return {
      connect: (socket: Socket) => this.#handshake(socket),
      waitForReady: () => Promise.resolve(),
      getCallCredentials: () => creds,
      destroy: () => {},
    };
  }

  #handshake(socket: Socket): Promise<SecureConnectResult> {
    const remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    return new Promise((resolve, reject) => {
      const tlsSocket: TLSSocket = connect({ socket, secureContext: this.tls.secureContext, ALPNProtocols: ["h2"], rejectUnauthorized: false }, () => {
        const admitted = this.tls.admit(tlsSocket.getPeerCertificate(true)?.raw, remote, "client", this.expectedId);
        if (typeof admitted !== "string") {
          // end(), not destroy(): our Finished still reaches the server, so it checks our
          // certificate too and logs its own reason (a non-member hears why on both sides).
          tlsSocket.end();
          setTimeout(() => tlsSocket.destroy(), 1000).unref();
          reject(admitted);
          return;
        }
        resolve({ socket: tlsSocket, secure: true });
      });
      tlsSocket.once("error", reject);
    });
  }
}
