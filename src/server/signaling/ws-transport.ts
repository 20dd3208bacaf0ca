import type { WebSocket } from 'ws';
import type { Principal } from '../appointments/access.js';
import type { SignalingHub } from './hub.js';

/** Connects a WebSocket to the hub. */
export function attachWebSocket(hub: SignalingHub, socket: WebSocket, principal: Principal): void {
  const conn = hub.attach(
    {
      send: (json) => socket.send(json),
      close: (code, reason) => socket.close(code, reason),
      ping: () => socket.ping(),
      terminate: () => socket.terminate(),
      get isOpen() {
        return socket.readyState === socket.OPEN;
      },
    },
    principal,
  );
  socket.on('message', (data, isBinary) => {
    if (isBinary) hub.refuseFrame(conn, 'Binary frames are not part of the protocol.');
    else hub.receive(conn, data.toString());
  });
  socket.on('pong', () => hub.pong(conn));
  socket.on('close', (code) => hub.disconnected(conn, code));
  // Errors end in 'close'; their text may echo client data, so only the fact is worth keeping.
  socket.on('error', () => {});
}
