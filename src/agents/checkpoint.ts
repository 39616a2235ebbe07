/**
 * The checkpoint file: one binary file written atomically (tmp + fsync + rename), verified on read.
 *
 * Format 2 (written):
 *   bytes 0–11   "VIRELCKPT02\n"
 *   bytes 12–15  header length H (uint32 LE)
 *   bytes 16–47  sha256 of everything after byte 47 (the header bytes and the data)
 *   H bytes      JSON header (space-padded to a multiple of 4): { format, meta, arrays: [{name, offset, length}],
 *                dataBytes }
 *   then         the float32 arrays (little-endian), back to back
 *
 * The header (env steps, RNG states, the run spec) is inside the hash: an edited header is reported as corrupt
 * rather than resuming at the wrong step. Format 1 ("VIRELCKPT01\n", hash of the data only, kept in the header)
 * is still read, so older runs resume; its header cannot be verified.
 *
 * A file that is truncated, has a bad magic, bad JSON or a wrong sha256 is reported as corrupt; it is never
 * overwritten by the reader. No tfjs here.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

const MAGIC_V1 = "VIRELCKPT01\n";
const MAGIC = "VIRELCKPT02\n";
const FORMAT = 2;
const PREFIX = 48;

/** Thrown for an unreadable or corrupt checkpoint file. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

interface ArrayEntry {
  name: string;
  offset: number;
  length: number;
}

/** Write `meta` (JSON) and the named float32 arrays to `file` atomically. */
export function writeCheckpoint(
  file: string,
  meta: unknown,
  arrays: readonly (readonly [string, Float32Array])[],
): void {
  const entries: ArrayEntry[] = [];
  let offset = 0;
  const names = new Set<string>();
  for (const [name, a] of arrays) {
    if (names.has(name)) throw new Error(`checkpoint: duplicate array name ${JSON.stringify(name)}`);
    names.add(name);
    entries.push({ name, offset, length: a.length });
    offset += a.length * 4;
  }
  const chunks: Buffer[] = [];
  for (const [, a] of arrays) chunks.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  let headerText = JSON.stringify({ format: FORMAT, meta, arrays: entries, dataBytes: offset });
  while (Buffer.byteLength(headerText) % 4 !== 0) headerText += " ";
  const header = Buffer.from(headerText, "utf8");
  const hash = createHash("sha256").update(header);
  for (const c of chunks) hash.update(c);
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MAGIC, 0, "latin1");
  prefix.writeUInt32LE(header.length, 12);
  hash.digest().copy(prefix, 16);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeSync(fd, prefix);
      fs.writeSync(fd, header);
      for (const c of chunks) fs.writeSync(fd, c);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Read and verify a checkpoint: its JSON meta and a map of the arrays (copies). */
export function readCheckpoint(file: string): { meta: unknown; arrays: Map<string, Float32Array> } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new CheckpointError(`cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
  const bad = (why: string) =>
    new CheckpointError(
      `checkpoint ${file} is corrupt (${why}); it was left untouched — move it away to start a fresh run`,
    );
  const magic = buf.length >= 16 ? buf.toString("latin1", 0, 12) : "";
  if (magic !== MAGIC && magic !== MAGIC_V1) throw bad("bad magic bytes: not a VIREL checkpoint");
  const v1 = magic === MAGIC_V1;
  const prefixLen = v1 ? 16 : PREFIX;
  if (buf.length < prefixLen)
    throw bad(`file of ${buf.length} bytes is shorter than the ${prefixLen}-byte prefix (truncated?)`);
  const h = buf.readUInt32LE(12);
  if (prefixLen + h > buf.length)
    throw bad(`header of ${h} bytes runs past the end of the file (${buf.length} bytes; truncated?)`);
  let header: { format?: unknown; meta?: unknown; arrays?: unknown; dataBytes?: unknown; sha256?: unknown };
  try {
    header = JSON.parse(buf.toString("utf8", prefixLen, prefixLen + h)) as typeof header;
  } catch (err) {
    throw bad(`header is not JSON: ${(err as Error).message}`);
  }
  if (header.format !== (v1 ? 1 : FORMAT))
    throw bad(`format must be ${v1 ? 1 : FORMAT}, got ${JSON.stringify(header.format)}`);
  const start = prefixLen + h;
  const data = buf.subarray(start);
  if (typeof header.dataBytes !== "number" || data.length !== header.dataBytes) {
    throw bad(`expected ${String(header.dataBytes)} data bytes, found ${data.length} (truncated?)`);
  }
  if (v1) {
    const digest = createHash("sha256").update(data).digest("hex");
    if (digest !== header.sha256) throw bad("sha256 of the data does not match the header");
  } else {
    const digest = createHash("sha256").update(buf.subarray(PREFIX)).digest();
    if (!digest.equals(buf.subarray(16, PREFIX)))
      throw bad("sha256 of the header and data does not match the one stored");
  }
  if (!Array.isArray(header.arrays)) throw bad("header has no array table");
  const arrays = new Map<string, Float32Array>();
  for (const e of header.arrays as ArrayEntry[]) {
    if (
      typeof e?.name !== "string" ||
      !Number.isInteger(e.offset) ||
      !Number.isInteger(e.length) ||
      e.offset + e.length * 4 > data.length
    ) {
      throw bad(`bad array entry ${JSON.stringify(e)}`);
    }
    const copy = new Float32Array(e.length);
    Buffer.from(copy.buffer).set(data.subarray(e.offset, e.offset + e.length * 4));
    arrays.set(e.name, copy);
  }
  return { meta: header.meta, arrays };
}

/** Write a text file atomically (tmp + fsync + rename); the temp file is removed when the write fails. */
export function writeFileAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      fs.writeFileSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Temp files written by {@link writeCheckpoint} / {@link writeFileAtomic}: `<name>.tmp-<pid>`. */
export const TMP_PATTERN = /\.tmp-(\d+)$/;
