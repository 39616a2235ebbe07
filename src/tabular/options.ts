/** Options parsing shared by the tabular algorithms (zod schemas, errors that name the field and value). */
import type { z } from "zod";
import { formatValue } from "../model/validate";

/** Parse `input` with `schema`; on failure throw `${who}: ${field} ${message}, got ${value}`. */
export function parseOptions<T>(schema: z.ZodType<T>, input: unknown, who: string): T {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    throw new Error(`${who}: unknown option ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`);
  }
  let value: unknown = input;
  for (const k of issue.path)
    value =
      value === null || value === undefined ? undefined : (value as Record<PropertyKey, unknown>)[k as PropertyKey];
  const field = issue.path.map(String).join(".");
  throw new Error(
    `${who}: ${field || "options"} ${issue.message.replace(/^Invalid input: /, "")}, got ${formatValue(value)}`,
  );
}
