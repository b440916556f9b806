/**
 * One HTTP request of an endpoint target, timed from the call to `fetch` until the last byte
 * of the body was read (time to last byte), with its own timeout. Uses the global `fetch`,
 * which Bun and Deno both provide; each request gets an AbortController that the timeout and
 * the caller's signal abort.
 */

export type RequestOutcome =
  /** A response, whatever its status; status >= 400 counts as an HTTP error. */
  | { kind: "response"; status: number; latencyMs: number; bytes: number }
  /** No answer within the timeout (headers or body). */
  | { kind: "timeout"; latencyMs: number }
  /** The connection failed: refused, reset, DNS, TLS. */
  | { kind: "network"; latencyMs: number; message: string }
  /** The caller's signal aborted it. */
  | { kind: "cancelled" };

export interface RequestSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  timeoutMs: number;
  /** Added to fetch's options: Platform.unverifiedTlsInit for a server perfloop started over https. */
  init?: Readonly<Record<string, unknown>>;
}

/** Reason given to a request's AbortController when its own timer fires. */
const TIMED_OUT = Symbol("timed out");

/** The innermost cause's message: fetch wraps the system error (Deno: "fetch failed" <- "... Connection refused"). */
export function networkMessage(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  const { message, code } = (current ?? {}) as { message?: unknown; code?: unknown };
  const text = typeof message === "string" && message !== "" ? (message.split("\n")[0] as string) : String(current);
  return typeof code === "string" && !text.includes(code) ? `${text} (${code})` : text;
}

/** Counts the body's bytes as they arrive, without keeping them. */
async function drain(response: Response): Promise<number> {
  if (response.body === null) return 0;
  const reader = response.body.getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.byteLength;
  }
}

/** Sends one request; never throws (every failure is an outcome). */
export async function sendRequest(spec: RequestSpec, signal: AbortSignal | undefined): Promise<RequestOutcome> {
  if (signal?.aborted) return { kind: "cancelled" };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), spec.timeoutMs);
  const onCancel = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", onCancel, { once: true });
  const start = performance.now();
  try {
    const response = await fetch(spec.url, {
      ...spec.init,
      method: spec.method,
      headers: spec.headers,
      body: spec.body,
      signal: controller.signal,
      redirect: "manual",
    });
    const bytes = await drain(response);
    return { kind: "response", status: response.status, latencyMs: performance.now() - start, bytes };
  } catch (error) {
    const latencyMs = performance.now() - start;
    if (controller.signal.aborted) {
      return controller.signal.reason === TIMED_OUT ? { kind: "timeout", latencyMs } : { kind: "cancelled" };
    }
    return { kind: "network", latencyMs, message: networkMessage(error) };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onCancel);
  }
}
