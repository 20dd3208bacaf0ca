import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A minimal STUN/TURN client over UDP (RFC 8489, RFC 8656), enough to ask a TURN server what a browser
 * would ask it and read exactly how it answers: Binding, Allocate (with the long-term credential
 * mechanism that TURN REST credentials use) and CreatePermission. Tests only; loopback servers only.
 */

const MAGIC_COOKIE = 0x2112a442;
const METHOD = { binding: 0x001, allocate: 0x003, createPermission: 0x008 } as const;
const CLASS_SUCCESS = 0x100;
const CLASS_ERROR = 0x110;
const ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  xorPeerAddress: 0x0012,
  realm: 0x0014,
  nonce: 0x0015,
  xorRelayedAddress: 0x0016,
  requestedAddressFamily: 0x0017,
  requestedTransport: 0x0019,
  xorMappedAddress: 0x0020,
} as const;
const TIMEOUT_MS = 1_000;
const ATTEMPTS = 3;

export interface TransportAddress {
  family: 'IPv4' | 'IPv6';
  address: string;
  port: number;
}

/** The server answered with an error response: `code` is the STUN error code (401, 403, 438…). */
export class TurnError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`TURN error ${code} ${reason}`);
    this.name = 'TurnError';
  }
}

export function ipToBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split('.').map(Number);
    text = `${text.slice(0, -v4.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of all.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  return groups.join(':');
}

interface Attribute {
  type: number;
  value: Buffer;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

function xorAddress(bytes: Buffer, transactionId: Buffer): Buffer {
  const mask = Buffer.alloc(bytes.length);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  if (bytes.length === 16) transactionId.copy(mask, 4);
  return Buffer.from(bytes.map((b, i) => b ^ (mask[i] ?? 0)));
}

function encodeXorAddress(ip: string, port: number, transactionId: Buffer): Buffer {
  const address = ipToBytes(ip);
  const head = Buffer.alloc(4);
  head.writeUInt8(address.length === 4 ? 0x01 : 0x02, 1);
  head.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  return Buffer.concat([head, xorAddress(address, transactionId)]);
}

function decodeXorAddress(value: Buffer, transactionId: Buffer): TransportAddress {
  const family = value.readUInt8(1) === 0x01 ? 'IPv4' : 'IPv6';
  const port = value.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16);
  const address = bytesToIp(xorAddress(value.subarray(4, family === 'IPv4' ? 8 : 20), transactionId));
  return { family, address, port };
}

function encode(type: number, transactionId: Buffer, attributes: Buffer[], integrityKey?: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(type, 0);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(header, 8);
  let body = Buffer.concat(attributes);
  if (integrityKey) {
    // The length covers MESSAGE-INTEGRITY itself (4 + 20 bytes) while the HMAC covers what precedes it.
    header.writeUInt16BE(body.length + 24, 2);
    const hmac = createHmac('sha1', integrityKey)
      .update(Buffer.concat([header, body]))
      .digest();
    body = Buffer.concat([body, attribute(ATTR.messageIntegrity, hmac)]);
  }
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, body]);
}

function decode(message: Buffer): { type: number; transactionId: Buffer; attributes: Attribute[] } | null {
  if (message.length < 20 || message.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const attributes: Attribute[] = [];
  let offset = 20;
  const end = Math.min(message.length, 20 + message.readUInt16BE(2));
  while (offset + 4 <= end) {
    const type = message.readUInt16BE(offset);
    const length = message.readUInt16BE(offset + 2);
    attributes.push({ type, value: message.subarray(offset + 4, offset + 4 + length) });
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: message.readUInt16BE(0), transactionId: message.subarray(8, 20), attributes };
}

/** TURN REST API credentials (username `<expiry seconds>:<user>`, password base64 HMAC-SHA1 of it). */
export function restCredentials(
  secret: string,
  user: string,
  expiresAtSeconds: number,
): { username: string; password: string } {
  const username = `${expiresAtSeconds}:${user}`;
  return { username, password: createHmac('sha1', secret).update(username).digest('base64') };
}

export class TurnClient {
  readonly #socket: Socket;
  readonly #server: { host: string; port: number };
  readonly #pending = new Map<string, (message: Buffer) => void>();
  #auth: { username: string; realm: string; nonce: string; key: Buffer } | null = null;

  private constructor(socket: Socket, server: { host: string; port: number }) {
    this.#socket = socket;
    this.#server = server;
    socket.on('message', (message) => {
      const id = decode(message)?.transactionId.toString('hex');
      if (id) this.#pending.get(id)?.(message);
    });
  }

  static async open(server: { host: string; port: number }): Promise<TurnClient> {
    const socket = createSocket(isIPv6(server.host) ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, isIPv6(server.host) ? '::1' : '127.0.0.1', () => resolve());
    });
    return new TurnClient(socket, server);
  }

  close(): void {
    this.#socket.close();
  }

  /** Sends a request (retransmitted on loss, as RFC 8489 asks) and returns the response. */
  async #request(method: number, build: (transactionId: Buffer) => Buffer[], signed: boolean) {
    for (let attempt = 0; ; attempt += 1) {
      const transactionId = randomBytes(12);
      const attributes = build(transactionId);
      if (signed && this.#auth) {
        attributes.push(
          attribute(ATTR.username, Buffer.from(this.#auth.username)),
          attribute(ATTR.realm, Buffer.from(this.#auth.realm)),
          attribute(ATTR.nonce, Buffer.from(this.#auth.nonce)),
        );
      }
      const message = encode(method, transactionId, attributes, signed ? this.#auth?.key : undefined);
      const id = transactionId.toString('hex');
      const response = await new Promise<Buffer | null>((resolve) => {
        const timer = setTimeout(() => resolve(null), TIMEOUT_MS);
        this.#pending.set(id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        this.#socket.send(message, this.#server.port, this.#server.host);
      });
      this.#pending.delete(id);
      const decoded = response ? decode(response) : null;
      if (decoded) return { ...decoded, transactionId };
      if (attempt + 1 >= ATTEMPTS) {
        throw new Error(`no answer from ${this.#server.host}:${this.#server.port} after ${ATTEMPTS} tries`);
      }
    }
  }

  static #error(attributes: Attribute[]): TurnError {
    const value = attributes.find((a) => a.type === ATTR.errorCode)?.value ?? Buffer.alloc(4);
    return new TurnError(
      (value.readUInt8(2) & 0x7) * 100 + value.readUInt8(3),
      value.subarray(4).toString('utf8'),
    );
  }

  /** A STUN Binding request: the address the server sees this client at. */
  async binding(): Promise<TransportAddress> {
    const r = await this.#request(METHOD.binding, () => [], false);
    const mapped = r.attributes.find((a) => a.type === ATTR.xorMappedAddress);
    if (r.type !== (METHOD.binding | CLASS_SUCCESS) || !mapped) throw TurnClient.#error(r.attributes);
    return decodeXorAddress(mapped.value, r.transactionId);
  }

  /**
   * Allocate a UDP relay of the given family with long-term credentials: the first request is refused with
   * 401 and the realm and nonce, the second is signed. Throws TurnError with the server's code.
   */
  async allocate(
    credentials: { username: string; password: string },
    family: 'IPv4' | 'IPv6' = 'IPv4',
  ): Promise<TransportAddress> {
    const build = () => [
      attribute(ATTR.requestedTransport, Buffer.from([17, 0, 0, 0])),
      attribute(ATTR.requestedAddressFamily, Buffer.from([family === 'IPv4' ? 0x01 : 0x02, 0, 0, 0])),
    ];
    const challenge = await this.#request(METHOD.allocate, build, false);
    const text = (type: number) =>
      challenge.attributes.find((a) => a.type === type)?.value.toString('utf8') ?? '';
    const realm = text(ATTR.realm);
    const nonce = text(ATTR.nonce);
    if (challenge.type !== (METHOD.allocate | CLASS_ERROR) || !realm || !nonce) {
      throw new Error('the TURN server allocated without asking for credentials');
    }
    this.#auth = {
      username: credentials.username,
      realm,
      nonce,
      key: createHash('md5').update(`${credentials.username}:${realm}:${credentials.password}`).digest(),
    };
    const r = await this.#request(METHOD.allocate, build, true);
    const relayed = r.attributes.find((a) => a.type === ATTR.xorRelayedAddress);
    if (r.type !== (METHOD.allocate | CLASS_SUCCESS) || !relayed) throw TurnClient.#error(r.attributes);
    return decodeXorAddress(relayed.value, r.transactionId);
  }

  /** Asks the server to let `peer` send to this allocation (what relaying to it needs first). */
  async createPermission(peer: string): Promise<void> {
    const r = await this.#request(
      METHOD.createPermission,
      (transactionId) => [attribute(ATTR.xorPeerAddress, encodeXorAddress(peer, 0, transactionId))],
      true,
    );
    if (r.type !== (METHOD.createPermission | CLASS_SUCCESS)) throw TurnClient.#error(r.attributes);
  }
}
