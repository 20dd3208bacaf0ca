import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Principal } from '../appointments/access.js';
import type { SignalingHub } from './hub.js';

/**
 * Connects a WebSocket to the hub. `tcp` is the connection under it: what the hub sends to one socket in
 * one turn of the event loop (an ICE burst relayed, a join's replies) leaves in one write instead of one
 * system call per message, by corking the connection at the first send and uncorking it once the turn's
 * work is done (process.nextTick runs after the promise jobs queued in the same turn).
 */
export function attachWebSocket(
  hub: SignalingHub,
  socket: WebSocket,
  tcp: Socket,
  principal: Principal,
): void {
  let corked = false;
  const flush = () => {
    corked = false;
    tcp.uncork();
  };
  const conn = hub.attach(
    {
      send: (json) => {
        if (!corked) {
          corked = true;
          tcp.cork();
          process.nextTick(flush);
        }
        socket.send(json);
      },
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
