/**
 * A tiny MJCF writer: the model builders describe a model as a tree of elements with typed attribute values and
 * this module turns it into the XML string MuJoCo compiles. Numbers are written with JavaScript's shortest
 * round-trip formatting (`String(x)`), so a double goes into MuJoCo bit-for-bit.
 */

/** An attribute value: a number, a vector of numbers, a string, a boolean, or absent (`undefined`: omitted). */
export type MjcfValue = number | readonly number[] | string | boolean | undefined;

/** One MJCF element. */
export interface MjcfElement {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, MjcfValue>>;
  readonly children: readonly MjcfElement[];
}

/** Build an element; `undefined` attributes are dropped when written. */
export function el(
  tag: string,
  attrs: Record<string, MjcfValue> = {},
  children: readonly MjcfElement[] = [],
): MjcfElement {
  return { tag, attrs, children };
}

function num(x: number, where: string): string {
  if (!Number.isFinite(x)) throw new Error(`MJCF ${where} must be finite, got ${String(x)}`);
  return String(x);
}

function attrText(v: Exclude<MjcfValue, undefined>, where: string): string {
  if (typeof v === "number") return num(v, where);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return v.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return v.map((x) => num(x, where)).join(" ");
}

/** Serialise an element tree to MJCF text. */
export function toXml(node: MjcfElement, indent = 0): string {
  const pad = "  ".repeat(indent);
  let attrs = "";
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === undefined) continue;
    attrs += ` ${k}="${attrText(v, `${node.tag}.${k}`)}"`;
  }
  if (node.children.length === 0) return `${pad}<${node.tag}${attrs}/>\n`;
  return `${pad}<${node.tag}${attrs}>\n${node.children.map((c) => toXml(c, indent + 1)).join("")}${pad}</${node.tag}>\n`;
}

/** Multiply a vector by a scalar (`s * v`), element-wise; `s = 1` returns the values unchanged, bit for bit. */
export function scale(v: readonly number[], s: number): number[] {
  return v.map((x) => x * s);
}

/** A builder's parameter record: numbers and fixed-length number vectors. */
export type ParamRecord = Record<string, number | readonly number[]>;

/**
 * Merge a builder's parameters over its defaults and validate them: unknown keys are rejected, numbers must be
 * finite (and positive unless listed in `signed`), vectors must keep the default's length. Errors name the model,
 * the field and the bad value.
 */
export function resolveParams<P extends ParamRecord>(
  model: string,
  defaults: Readonly<P>,
  params: Partial<P> | undefined,
  signed: readonly (keyof P & string)[] = [],
): P {
  const out: ParamRecord = { ...defaults };
  if (params === undefined) return out as P;
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    throw new Error(`${model}: parameters must be an object, got ${JSON.stringify(params)}`);
  }
  const known = Object.keys(defaults);
  for (const [k, v] of Object.entries(params)) {
    if (!known.includes(k)) throw new Error(`${model}: unknown parameter ${k} (known: ${known.join(", ")})`);
    if (v === undefined) continue;
    const d = defaults[k];
    const positive = !signed.includes(k);
    if (Array.isArray(d)) {
      if (!Array.isArray(v) || v.length !== d.length) {
        throw new Error(`${model}: ${k} must be an array of ${d.length} numbers, got ${JSON.stringify(v)}`);
      }
      v.forEach((x: unknown, i: number) => checkNumber(model, `${k}[${i}]`, x, positive));
      out[k] = [...(v as number[])];
    } else {
      out[k] = checkNumber(model, k, v, positive);
    }
  }
  return out as P;
}

function checkNumber(model: string, name: string, value: unknown, positive: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || (positive && value <= 0)) {
    throw new Error(`${model}: ${name} must be a ${positive ? "positive " : ""}finite number, got ${String(value)}`);
  }
  return value;
}
