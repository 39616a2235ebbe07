/**
 * The Jupyter messaging wire protocol (v5.3), shared by our kernel (`src/jupyter/kernel/`) and our client
 * (`virel notebook run`): frames are `[identities…, "<IDS|MSG>", hmac, header, parent_header, metadata, content,
 * buffers…]`, the hmac being HMAC-SHA256 of the four JSON parts under the connection file's key.
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

/** The delimiter frame between the ZeroMQ routing prefix and the signed message. */
export const DELIMITER = Buffer.from("<IDS|MSG>");
/** The protocol version our messages declare. */
export const PROTOCOL_VERSION = "5.3";

/** A message header (`msg_id`, `session`, `msg_type`, …). */
export interface MessageHeader {
  msg_id: string;
  session: string;
  username: string;
  date: string;
  msg_type: string;
  version: string;
}

/** JSON values carried in message contents. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** A JSON object (message content, metadata, mime bundle). */
export type JsonObject = { [key: string]: Json };

/** One decoded Jupyter message. */
export interface JupyterMessage {
  /** ZeroMQ routing prefix (ROUTER sockets need it to answer). */
  identities: Buffer[];
  header: MessageHeader;
  /** The header of the request this message answers, or `{}`. */
  parent_header: MessageHeader | Record<string, never>;
  metadata: JsonObject;
  content: JsonObject;
  buffers: Buffer[];
}

/** The connection file a kernel is started with (`--connection-file`). */
export interface ConnectionInfo {
  transport: "tcp" | "ipc";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
  kernel_name?: string;
}

/** The five channels and their port fields. */
export const CHANNEL_PORTS = {
  shell: "shell_port",
  iopub: "iopub_port",
  stdin: "stdin_port",
  control: "control_port",
  hb: "hb_port",
} as const;
export type Channel = keyof typeof CHANNEL_PORTS;

/** Read and check a connection file; throws naming the bad field. */
export function readConnectionFile(path: string): ConnectionInfo {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`cannot read connection file ${path}: ${(e as Error).message}`, { cause: e });
  }
  return parseConnectionInfo(raw, path);
}

/** Validate a parsed connection object. */
export function parseConnectionInfo(raw: unknown, where = "connection info"): ConnectionInfo {
  if (typeof raw !== "object" || raw === null) throw new Error(`${where}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  const transport = o.transport ?? "tcp";
  if (transport !== "tcp" && transport !== "ipc") {
    throw new Error(`${where}: transport must be "tcp" or "ipc", got ${JSON.stringify(transport)}`);
  }
  const scheme = o.signature_scheme ?? "hmac-sha256";
  if (scheme !== "hmac-sha256") {
    throw new Error(`${where}: signature_scheme must be "hmac-sha256", got ${JSON.stringify(scheme)}`);
  }
  const info: ConnectionInfo = {
    transport,
    ip: typeof o.ip === "string" ? o.ip : "127.0.0.1",
    key: typeof o.key === "string" ? o.key : "",
    signature_scheme: scheme,
    shell_port: 0,
    iopub_port: 0,
    stdin_port: 0,
    control_port: 0,
    hb_port: 0,
  };
  for (const field of Object.values(CHANNEL_PORTS)) {
    const v = o[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0 || v > 65535) {
      throw new Error(`${where}: ${field} must be a port number, got ${JSON.stringify(v)}`);
    }
    info[field] = v;
  }
  if (typeof o.kernel_name === "string") info.kernel_name = o.kernel_name;
  return info;
}

/** The ZeroMQ endpoint of one channel: `tcp://ip:port` or `ipc://ip-port` (Jupyter's ipc naming). */
export function endpoint(conn: ConnectionInfo, channel: Channel): string {
  const port = conn[CHANNEL_PORTS[channel]];
  return conn.transport === "ipc" ? `ipc://${conn.ip}-${port}` : `tcp://${conn.ip}:${port}`;
}

/** `hmac = HMAC-SHA256(key, header ‖ parent_header ‖ metadata ‖ content)` as hex; "" when the key is empty. */
export function sign(key: string, parts: readonly (string | Buffer)[]): string {
  if (key === "") return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** A fresh message (a new `msg_id`, the current time), answering `parent` when given. */
export function createMessage(
  msgType: string,
  content: JsonObject,
  opts: { session: string; username?: string; parent?: JupyterMessage | null; metadata?: JsonObject },
): JupyterMessage {
  return {
    identities: opts.parent ? opts.parent.identities : [],
    header: {
      msg_id: randomUUID(),
      session: opts.session,
      username: opts.username ?? "virel",
      date: new Date().toISOString(),
      msg_type: msgType,
      version: PROTOCOL_VERSION,
    },
    parent_header: opts.parent ? opts.parent.header : {},
    metadata: opts.metadata ?? {},
    content,
    buffers: [],
  };
}

/** Serialize and sign a message into ZeroMQ frames (with `identities` as the routing prefix). */
export function encodeMessage(msg: JupyterMessage, key: string, withIdentities = true): Buffer[] {
  const parts = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [
    ...(withIdentities ? msg.identities : []),
    DELIMITER,
    Buffer.from(sign(key, parts)),
    ...parts.map((p) => Buffer.from(p)),
    ...msg.buffers,
  ];
}

/** Parse frames into a message, verifying the signature (throws on a bad or missing one). */
export function decodeMessage(frames: readonly Buffer[], key: string): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error("message has no <IDS|MSG> delimiter");
  if (frames.length < at + 6)
    throw new Error(`message has ${frames.length - at - 1} frames after the delimiter, need 5`);
  const hmac = frames[at + 1]!;
  const parts = frames.slice(at + 2, at + 6);
  if (key !== "") {
    const want = Buffer.from(sign(key, parts));
    if (hmac.length !== want.length || !timingSafeEqual(hmac, want))
      throw new Error("message has an invalid signature");
  }
  const [header, parent, metadata, content] = parts.map((p) => JSON.parse(p.toString("utf8")) as unknown);
  if (typeof header !== "object" || header === null || typeof (header as MessageHeader).msg_type !== "string") {
    throw new Error("message header has no msg_type");
  }
  return {
    identities: frames.slice(0, at).map((f) => Buffer.from(f)),
    header: header as MessageHeader,
    parent_header: (parent ?? {}) as MessageHeader | Record<string, never>,
    metadata: (metadata ?? {}) as JsonObject,
    content: (content ?? {}) as JsonObject,
    buffers: frames.slice(at + 6).map((f) => Buffer.from(f)),
  };
}

/** The signature frame of a message (the frame after `<IDS|MSG>`), or undefined when there is none. */
export function signatureOf(frames: readonly Buffer[]): Buffer | undefined {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  return at >= 0 ? frames[at + 1] : undefined;
}

/**
 * The signatures of messages already accepted, so a validly signed message sent again (a replay) is refused —
 * as ipykernel's Session does (`digest_history`, "Duplicate Signature"). Bounded like ipykernel's: at
 * `maxSize` entries the oldest tenth is dropped.
 */
export class DigestHistory {
  private readonly seen = new Set<string>();
  constructor(readonly maxSize = 65536) {
    if (!Number.isInteger(maxSize) || maxSize < 10)
      throw new Error(`DigestHistory maxSize must be an integer >= 10, got ${maxSize}`);
  }
  /** Record `signature`; false when it was seen before (the message must be dropped). */
  accept(signature: Buffer | string): boolean {
    const key = typeof signature === "string" ? signature : signature.toString("latin1");
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.maxSize) {
      let drop = Math.ceil(this.maxSize / 10);
      for (const k of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(k);
      }
    }
    this.seen.add(key);
    return true;
  }
  get size(): number {
    return this.seen.size;
  }
}

/** The `msg_id` of the request a message answers ("" when it has no parent). */
export function parentId(msg: JupyterMessage): string {
  return (msg.parent_header as Partial<MessageHeader>).msg_id ?? "";
}

/**
 * Serializes sends on one ZeroMQ socket (zeromq 6 allows one send in flight per socket) and never rejects:
 * a failed send is reported to `onError`.
 */
export class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(
    private readonly socket: { send(frames: Buffer[]): Promise<void> },
    private readonly onError: (e: unknown) => void = () => {},
  ) {}
  /** Queue frames; the promise resolves once they were handed to ZeroMQ. */
  send(frames: Buffer[]): Promise<void> {
    this.tail = this.tail.then(() => this.socket.send(frames)).catch((e: unknown) => this.onError(e));
    return this.tail;
  }
  /** Resolves when everything queued so far was sent. */
  drain(): Promise<void> {
    return this.tail;
  }
}
