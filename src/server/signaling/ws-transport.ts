import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Principal } from '../access/principal.js';
import type { SignalingHub } from './hub.js';

/**
 * Returns what to call before each send on `tcp` so that what one turn of the event loop sends leaves in
 * one write instead of one system call per message: the connection is corked at the turn's first send and
 * uncorked once the turn's promise jobs have run (process.nextTick runs after those queued in the same
 * turn). The load generator sends through it too.
 */
export function corkPerTurn(tcp: Socket): () => void {
  let corked = false;
  const flush = () => {
    corked = false;
    tcp.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    tcp.cork();
    process.nextTick(flush);
  };
}

/**
 * Connects a WebSocket to the hub. `tcp` is the connection under it: what the hub sends to one socket in
 * one turn (an ICE burst relayed, a join's replies) leaves in one write (corkPerTurn).
 */
export function attachWebSocket(
  hub: SignalingHub,
  socket: WebSocket,
  tcp: Socket,
  principal: Principal,
): void {
  const beforeSend = corkPerTurn(tcp);
  const conn = hub.attach(
    {
      kind: 'websocket',
      send: (json) => {
        beforeSend();
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
