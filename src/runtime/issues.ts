import * as v from "valibot";

/** One validation problem, shaped as the original runtime reports it (contract §4.5). */
export interface ValidationDetail {
  instancePath: string;
  message: string;
}

type AnyIssue = v.BaseIssue<unknown>;

function pointer(keys: readonly unknown[]): string {
  return keys.map((key) => `/${String(key)}`).join("");
}

/**
 * Turns valibot issues into `{instancePath, message}` pairs with the original's wording:
 * a missing key is reported at its object's path, an extra key at its own path.
 */
export function toDetails(issues: readonly AnyIssue[]): ValidationDetail[] {
  const details: ValidationDetail[] = [];
  for (const issue of issues) {
    const keys = (issue.path ?? []).map((item) => item.key);
    const objectIssue = issue.type === "object" || issue.type === "strict_object" || issue.type === "loose_object";
    if (objectIssue && keys.length > 0 && issue.expected === "never") {
      details.push({ instancePath: pointer(keys), message: "additional property is not allowed" });
    } else if (objectIssue && keys.length > 0 && issue.expected?.startsWith('"')) {
      details.push({
        instancePath: pointer(keys.slice(0, -1)),
        message: `missing required property: ${String(keys.at(-1))}`,
      });
    } else {
      details.push({ instancePath: pointer(keys), message: issue.message });
    }
  }
  return details;
}

/** `Invalid <label>: /a must be string; / missing required property: b` */
export function describeDetails(label: string, details: readonly ValidationDetail[]): string {
  const parts = details.map((detail) => `${detail.instancePath || "/"} ${detail.message}`);
  return `Invalid ${label}: ${parts.join("; ")}`;
}

export type Checked<T> =
  | { ok: true; value: T }
  | { ok: false; error: string; details: ValidationDetail[] };

/** safeParse with the original's combined message. */
export function check<S extends v.GenericSchema>(label: string, schema: S, input: unknown): Checked<v.InferOutput<S>> {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const details = toDetails(result.issues);
  return { ok: false, error: describeDetails(label, details), details };
}
