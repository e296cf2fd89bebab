import http from 'node:http';

// Next.js does not give route handlers or server actions the TCP peer's address, and it fills
// X-Forwarded-For from it only when the client did not send one (so a client chooses it). This
// puts the peer's address on every request under a header of our own, overwriting whatever a
// client sent under that name, before Next.js sees the request. Installed once by
// instrumentation.ts in the web server's process.

export const PEER_ADDRESS_HEADER = 'x-idm-peer-address';

const INSTALLED = Symbol.for('idm.peer-address-header');

export function installPeerAddressHeader(): void {
  const proto = http.Server.prototype as http.Server & { [INSTALLED]?: boolean };
  if (proto[INSTALLED]) return;
  proto[INSTALLED] = true;
  const emit = proto.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  proto.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') {
      const request = args[0] as http.IncomingMessage;
      const peer = request.socket?.remoteAddress;
      if (peer) request.headers[PEER_ADDRESS_HEADER] = peer;
      else delete request.headers[PEER_ADDRESS_HEADER];
    }
    return emit.call(this, event, ...args);
  } as typeof proto.emit;
}
