/**
 * Endpoint targets (`http(s)://...`): a bounded request loop against the person's running
 * server. At most `warmupRequests + requests` requests are ever sent (a hard bound: each one is
 * counted before it is sent, and redirects are not followed, so each request is one HTTP round
 * trip). The first request is sent alone and doubles as the reachability check: a refused
 * connection, a failed DNS lookup or no answer at all is a UsageError before anything is
 * measured. The remaining warm-up requests open the pool's connections and are not measured.
 *
 * Then `requests` requests run with at most `concurrency` in flight, each timed from the call
 * to fetch to the last byte of its body. Latency statistics cover the successful requests
 * (status < 400); HTTP errors, timeouts and network errors are counted by kind. Throughput is
 * the completed requests (a whole response, any status) per second of the measured window,
 * from the first measured request's start to the last one's end.
 *
 * Latency percentiles are Hyndman-Fan type 7 (src/measure); the interval of the median is a
 * percentile bootstrap; outliers are Iglewicz-Hoaglin modified z-scores, indexed among the
 * successful measured requests in the order they were sent.
 */
import { CancelledError, UsageError } from "../errors.ts";
import { quantileSorted, sortedCopy, summarize } from "../measure/index.ts";
import { summarizeMetric } from "./command-target.ts";
import { type RequestOutcome, type RequestSpec, sendRequest } from "./endpoint-request.ts";
import { DEFAULT_CONCURRENCY, DEFAULT_REQUESTS, MAX_REQUESTS } from "./target.ts";
import type { MetricSummary } from "./types.ts";

/** Enough to open `concurrency` connections and let the server's caches and JIT warm a little. */
export const DEFAULT_WARMUP_REQUESTS = 8;
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Upper bounds besides MAX_REQUESTS (target.ts): a profile is a measurement, not a load test. */
export const MAX_CONCURRENCY = 256;
export const MAX_WARMUP_REQUESTS = 10_000;
export const MAX_TIMEOUT_MS = 600_000;
/** Distinct network error messages kept for the report. */
const MAX_ERROR_EXAMPLES = 5;

export interface EndpointProgress {
  phase: "warmup" | "measure";
  /** Requests of this phase finished so far, and the phase's total. */
  done: number;
  total: number;
}

export interface MeasureEndpointOptions {
  url: string;
  /** Default GET. */
  method?: string;
  /** Measured requests; default DEFAULT_REQUESTS. */
  requests?: number;
  /** Most requests in flight at once; default DEFAULT_CONCURRENCY. */
  concurrency?: number;
  /** Per request, headers and body included; default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Unmeasured requests sent first; default DEFAULT_WARMUP_REQUESTS. */
  warmupRequests?: number;
  /** Added to each request's fetch options (endpoint-request.ts RequestSpec.init). */
  init?: Readonly<Record<string, unknown>>;
  onProgress?: (progress: EndpointProgress) => void;
  /** Aborting it stops the loop (in-flight requests are aborted) with a CancelledError. */
  signal?: AbortSignal;
}

export interface LatencyPercentiles {
  min: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** What an endpoint target measured. Keys are snake_case: this record is written to disk. */
export interface EndpointProfile {
  kind: "endpoint";
  url: string;
  method: string;
  requests: number;
  concurrency: number;
  warmup_requests: number;
  timeout_ms: number;
  /** Every request sent, warm-up included: never more than warmup_requests + requests. */
  sent: number;
  /** Measured requests that got a whole response, whatever its status. */
  completed: number;
  /** Measured requests with status < 400. */
  succeeded: number;
  errors: { total: number; http: number; network: number; timeout: number };
  /** Up to a few distinct network error messages. */
  error_examples: string[];
  /** Measured responses by status code. */
  status_codes: Record<string, number>;
  /** Body bytes of the measured responses (after content decoding). */
  bytes_received: number;
  /** From the first measured request's start to the last one's end. */
  window_ms: number;
  /** completed / window. */
  throughput_rps: number;
  /** Latency of the successful measured requests; null when none succeeded. */
  latency_ms: MetricSummary | null;
  latency_percentiles_ms: LatencyPercentiles | null;
  /** HTTP round trips per operation: one request is one round trip (redirects are not followed). */
  http_round_trips: 1;
  /** Warm-up requests that failed (not measured). */
  warmup_errors: number;
}

interface Settings {
  spec: RequestSpec;
  requests: number;
  concurrency: number;
  warmup: number;
}

function integerIn(value: number | undefined, fallback: number, min: number, max: number, what: string, flag: string): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) {
    throw new UsageError(`${what} must be a whole number from ${min} to ${max}, got ${chosen}`, `set ${flag}`);
  }
  return chosen;
}

function validate(options: MeasureEndpointOptions): Settings {
  let parsed: URL;
  try {
    parsed = new URL(options.url);
  } catch {
    throw new UsageError(`not a valid URL: ${options.url}`, "give the whole address, e.g. http://127.0.0.1:3000/path");
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new UsageError(
      `only http:// and https:// endpoints can be measured, got ${parsed.protocol}//`,
      "give an http(s) URL, e.g. http://127.0.0.1:3000/path",
    );
  }
  const method = (options.method ?? "GET").toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`not an HTTP method: ${options.method}`, "use e.g. GET or POST");
  if (options.body !== undefined && (method === "GET" || method === "HEAD")) {
    throw new UsageError(`a ${method} request cannot have a body`, "use --method POST (or PUT, PATCH) to send a body");
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new UsageError(`the request timeout must be from 1 to ${MAX_TIMEOUT_MS} ms, got ${timeoutMs}`, "set --timeout");
  }
  const requests = integerIn(options.requests, DEFAULT_REQUESTS, 1, MAX_REQUESTS, "the request count", "--requests");
  const concurrency = integerIn(options.concurrency, DEFAULT_CONCURRENCY, 1, MAX_CONCURRENCY, "the concurrency", "--concurrency");
  const warmup = integerIn(options.warmupRequests, DEFAULT_WARMUP_REQUESTS, 0, MAX_WARMUP_REQUESTS, "the warm-up request count", "--warmup");
  return {
    spec: { url: parsed.href, method, headers: { ...options.headers }, body: options.body, timeoutMs, ...(options.init ? { init: options.init } : {}) },
    requests,
    concurrency,
    warmup,
  };
}

/**
 * Runs `count` requests with at most `concurrency` in flight; `onDone` sees each outcome with its
 * index in send order. No new request starts once `signal` is aborted.
 */
async function runPool(
  count: number,
  concurrency: number,
  send: () => Promise<RequestOutcome>,
  onDone: (index: number, outcome: RequestOutcome) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count && !signal?.aborted) {
      const index = next++;
      onDone(index, await send());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** A TLS failure to verify the server's certificate, as Bun and Deno word it. */
const CERTIFICATE = /certificate|CERT_|UnknownIssuer|self.signed/i;

function unreachable(url: string, outcome: RequestOutcome, timeoutMs: number): UsageError | undefined {
  if (outcome.kind === "network") {
    // A certificate the client does not trust: the server answered, over TLS.
    const hint = CERTIFICATE.test(outcome.message)
      ? "perfloop checks the certificate of a server it did not start: give the server a trusted certificate, or let perfloop start it with --serve (a development certificate is accepted there: docs/run.md)"
      : "is the server running? start it first, and check the host and port";
    return new UsageError(`cannot reach ${url}: ${outcome.message}`, hint, { url });
  }
  if (outcome.kind === "timeout") {
    return new UsageError(
      `${url} did not answer within ${timeoutMs} ms`,
      "is the server running and ready? start it first, or raise --timeout",
      { url },
    );
  }
  return undefined;
}

function percentiles(sorted: readonly number[], mean: number): LatencyPercentiles {
  return {
    min: sorted[0] as number,
    p50: quantileSorted(sorted, 0.5),
    p90: quantileSorted(sorted, 0.9),
    p95: quantileSorted(sorted, 0.95),
    p99: quantileSorted(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
    mean,
  };
}

/** Measures `options.url` with a bounded request loop. Bad input or an unreachable server is a UsageError. */
export async function measureEndpoint(options: MeasureEndpointOptions): Promise<EndpointProfile> {
  const { spec, requests, concurrency, warmup } = validate(options);
  const signal = options.signal;
  const progress = options.onProgress ?? (() => {});
  const limit = warmup + requests;
  let sent = 0;
  const send = (): Promise<RequestOutcome> => {
    if (sent >= limit) throw new Error(`internal: request budget of ${limit} exceeded`);
    sent++;
    return sendRequest(spec, signal);
  };
  const cancelled = () => new CancelledError(`measuring ${spec.url} was cancelled`);
  if (signal?.aborted) throw cancelled();

  // The first request alone: it tells an unreachable server apart before anything is measured.
  const firstStart = performance.now();
  const first = await send();
  if (first.kind === "cancelled") throw cancelled();
  const failure = unreachable(spec.url, first, spec.timeoutMs);
  if (failure) throw failure;
  const firstIsWarmup = warmup > 0;
  let warmupErrors = 0;
  if (firstIsWarmup) {
    if (first.kind !== "response" || first.status >= 400) warmupErrors++;
    progress({ phase: "warmup", done: 1, total: warmup });
    let warmed = 1;
    await runPool(
      warmup - 1,
      concurrency,
      send,
      (_index, outcome) => {
        if (outcome.kind !== "response" || outcome.status >= 400) warmupErrors++;
        progress({ phase: "warmup", done: ++warmed, total: warmup });
      },
      signal,
    );
    if (signal?.aborted) throw cancelled();
  }

  // The measured loop. Without warm-up the first request is the first measured one.
  const outcomes: RequestOutcome[] = new Array(requests);
  let finished = 0;
  const windowStart = firstIsWarmup ? performance.now() : firstStart;
  const record = (index: number, outcome: RequestOutcome) => {
    outcomes[index] = outcome;
    progress({ phase: "measure", done: ++finished, total: requests });
  };
  if (!firstIsWarmup) record(0, first);
  const offset = firstIsWarmup ? 0 : 1;
  await runPool(requests - offset, concurrency, send, (index, outcome) => record(index + offset, outcome), signal);
  const windowMs = performance.now() - windowStart;
  if (signal?.aborted || outcomes.some((outcome) => outcome?.kind === "cancelled")) throw cancelled();

  return summarizeOutcomes(outcomes, { spec, requests, concurrency, warmup }, { sent, windowMs, warmupErrors });
}

function summarizeOutcomes(
  outcomes: readonly RequestOutcome[],
  settings: Settings,
  run: { sent: number; windowMs: number; warmupErrors: number },
): EndpointProfile {
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  const errors = { total: 0, http: 0, network: 0, timeout: 0 };
  const examples: string[] = [];
  let completed = 0;
  let bytes = 0;
  for (const outcome of outcomes) {
    if (outcome.kind === "response") {
      completed++;
      bytes += outcome.bytes;
      statusCodes[outcome.status] = (statusCodes[outcome.status] ?? 0) + 1;
      if (outcome.status >= 400) errors.http++;
      else latencies.push(outcome.latencyMs);
    } else if (outcome.kind === "timeout") {
      errors.timeout++;
    } else if (outcome.kind === "network") {
      errors.network++;
      if (examples.length < MAX_ERROR_EXAMPLES && !examples.includes(outcome.message)) examples.push(outcome.message);
    }
  }
  errors.total = errors.http + errors.network + errors.timeout;
  const described = latencies.length > 0 ? summarize(latencies) : null;
  return {
    kind: "endpoint",
    url: settings.spec.url,
    method: settings.spec.method,
    requests: settings.requests,
    concurrency: settings.concurrency,
    warmup_requests: settings.warmup,
    timeout_ms: settings.spec.timeoutMs,
    sent: run.sent,
    completed,
    succeeded: latencies.length,
    errors,
    error_examples: examples,
    status_codes: statusCodes,
    bytes_received: bytes,
    window_ms: run.windowMs,
    throughput_rps: run.windowMs > 0 ? completed / (run.windowMs / 1000) : 0,
    // Warm-up requests ran first, so a slow first measured request is not read as a cold start.
    latency_ms: described ? summarizeMetric("latency_p50_ms", latencies, { firstIsFirstRun: false }) : null,
    latency_percentiles_ms: described ? percentiles(sortedCopy(latencies), described.mean) : null,
    http_round_trips: 1,
    warmup_errors: run.warmupErrors,
  };
}
