/**
 * An endpoint target whose server perfloop starts itself, once per side tree (docs/run.md,
 * "Endpoints: how perfloop starts your server"): a TargetRunner (target-runners.ts).
 *
 * `open` picks a free port on 127.0.0.1, starts the person's `serve` command in the side tree as
 * a service (Platform.startService: through the workspace's Sandbox it is confined like the side's
 * commands, and stopping it or a SIGKILL of perfloop ends its whole process group) with PORT set
 * to it, rewrites the URL's port to it, and polls the ready path (or the URL) every READY_POLL_MS
 * until an answer below 500. A server that exits first, or is not ready within readyTimeoutMs,
 * fails the open with the reason and its stderr tail (and nothing of it stays running). Then
 * OPEN_WARMUP_REQUESTS requests warm it up, unmeasured.
 *
 * A round is one batch of `requests` requests with at most `concurrency` in flight
 * (measureEndpoint, src/profile/endpoint-target.ts, without its own warm-up): the sample's
 * wall time is the batch's window, its values the median, p95 and p99 latency of the successful
 * requests (status below 400), the throughput and the count of failed requests (an HTTP error,
 * a timeout or a network error). A round where no request succeeded, one that outlives the
 * round's limit, and any round after the server exited, fail with the reason.
 */
import { createServer } from "node:net";
import { CancelledError, PerfloopError, UsageError } from "../errors.ts";
import { SERVICE_TIMEOUT_MS, type Platform, type Service, type SpawnResult } from "../platform/index.ts";
import { outputTail, type CommandRun, type RunFailure, type RunLimits, type RunOutcome } from "../profile/command-target.ts";
import { sendRequest } from "../profile/endpoint-request.ts";
import { DEFAULT_TIMEOUT_MS, type EndpointProfile, MAX_CONCURRENCY, measureEndpoint } from "../profile/endpoint-target.ts";
import { createStepMarkerCollector } from "../profile/step-markers.ts";
import { MAX_REQUESTS } from "../profile/target.ts";
import { reportedMetricsOf } from "../model/metrics.ts";
import { failureGist } from "./failure-gist.ts";
import type { OpenTarget, Opened, TargetRunner } from "./target-runners.ts";

/** Between readiness probes. */
export const READY_POLL_MS = 50;
/** One readiness probe's own timeout: a server that accepts but never answers is probed again. */
const READY_PROBE_TIMEOUT_MS = 1_000;
/** Unmeasured requests after the server is ready (at least one per connection of the pool). */
export const OPEN_WARMUP_REQUESTS = 8;
/** Bytes of the server's output kept (each stream), for the message when it exits. */
const SERVER_OUTPUT_BYTES = 64 * 1024;

export interface EndpointTargetSpec {
  /** The endpoint as the person gave it; its port is replaced by the one perfloop picks. */
  url: string;
  /** The command line that starts the server in the side tree (run with /bin/sh -c), which listens on $PORT. */
  serve: string;
  /** Path polled until the server answers below 500 (e.g. "/health"); null: the URL itself. */
  readyPath: string | null;
  /** How long the server may take to answer its first probe. */
  readyTimeoutMs: number;
  /** Requests per round. */
  requests: number;
  /** Most requests in flight at once. */
  concurrency: number;
  method: string;
  body?: string;
  headers?: Record<string, string>;
}

/** An endpoint target: the person's server started in each side tree, each round a batch of requests. */
export function endpointRunner(spec: EndpointTargetSpec): TargetRunner {
  checkSpec(spec);
  return {
    metric: "latency_p50_ms",
    reported: reportedMetricsOf("endpoint"),
    open: (platform, cwd, env) => openEndpoint(platform, spec, cwd, env),
  };
}

function checkSpec(spec: EndpointTargetSpec): void {
  let url: URL;
  try {
    url = new URL(spec.url);
  } catch {
    throw new UsageError(`not a valid URL: ${spec.url}`, "give the whole address, e.g. http://127.0.0.1:3000/path");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`a server perfloop starts is reached over http:// or https://, got ${url.protocol}//`, "give an http(s):// URL, e.g. http://127.0.0.1:3000/path");
  // Its certificate is not checked (see tlsInit): only where it cannot be anybody else's server.
  if (url.protocol === "https:" && !LOOPBACK.has(url.hostname)) {
    throw new UsageError(`an https server perfloop starts is reached on this machine, got host ${url.hostname}`, "give the URL with host 127.0.0.1, localhost or [::1], e.g. https://localhost:3000/path");
  }
  if (spec.serve.trim() === "") throw new UsageError("the command that starts the server is empty", "give the command line that starts your server on $PORT");
  if (spec.readyPath !== null && !spec.readyPath.startsWith("/")) throw new UsageError(`the ready path must start with "/", got ${spec.readyPath}`, "give a path such as /health");
  if (!(Number.isFinite(spec.readyTimeoutMs) && spec.readyTimeoutMs > 0)) throw new UsageError(`the ready timeout must be a positive number of ms, got ${spec.readyTimeoutMs}`, "give e.g. 30s");
  for (const [what, value, max] of [["requests per round", spec.requests, MAX_REQUESTS], ["concurrency", spec.concurrency, MAX_CONCURRENCY]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new UsageError(`the ${what} must be a whole number from 1 to ${max}, got ${value}`, `set the ${what}`);
  }
}

/** A port nobody listens on now (the kernel's choice for port 0 on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port was assigned"))));
    });
  });
}

type Started = { ok: true; url: URL; server: Watched; service: Service; init: Readonly<Record<string, unknown>> | undefined } | { ok: false; reason: string };

/** The hosts of this machine an https server perfloop starts may be reached on. */
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/**
 * What the requests to a server perfloop started add to fetch's options: over https, the
 * platform's way to accept its certificate (a development one, usually self-signed: perfloop
 * started the server itself, on this machine, so there is nobody to authenticate); null when the
 * runtime has none.
 */
function tlsInit(platform: Platform, url: URL): { init: Readonly<Record<string, unknown>> | undefined } | null {
  if (url.protocol !== "https:") return { init: undefined };
  return platform.unverifiedTlsInit ? { init: platform.unverifiedTlsInit } : null;
}

/**
 * Starts on a port already taken: between perfloop's check that a port is free and the server's
 * bind, another process may take it (two perfloops at once, say). Such a start is tried again on
 * another port, up to PORT_ATTEMPTS times; any other failure is the server's own and is not.
 */
const ADDRESS_IN_USE = /EADDRINUSE|address already in use/i;
const PORT_ATTEMPTS = 3;

/** The server started in `cwd` on a free port and answering its ready path, or why not (nothing of it left running). */
async function startServer(platform: Platform, spec: EndpointTargetSpec, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<Started> {
  if (!tlsInit(platform, new URL(spec.url))) {
    return { ok: false, reason: `perfloop under ${platform.runtime} cannot accept the development certificate of an https server it starts: run perfloop's own binary, or serve over http://` };
  }
  for (let attempt = 1; ; attempt++) {
    const started = await startOnce(platform, spec, cwd, env);
    if (started.ok || !started.portTaken) return started;
    if (attempt === PORT_ATTEMPTS) return { ok: false, reason: `${started.reason} (its port was in use on each of ${PORT_ATTEMPTS} tries, each on a port free a moment before: does it listen on $PORT?)` };
  }
}

async function startOnce(platform: Platform, spec: EndpointTargetSpec, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<Extract<Started, { ok: true }> | { ok: false; reason: string; portTaken: boolean }> {
  const port = await freePort();
  const url = new URL(spec.url);
  url.port = String(port);
  const service = await platform.startService({ shell: spec.serve, cwd, env: { ...env, PORT: String(port) }, timeoutMs: SERVICE_TIMEOUT_MS, maxOutputBytes: SERVER_OUTPUT_BYTES });
  const server = watch(service);
  const readyUrl = spec.readyPath === null ? url.href : new URL(spec.readyPath, url).href;
  const init = tlsInit(platform, url)?.init;
  const ready = await awaitReady(server, readyUrl, spec.readyTimeoutMs, init);
  if (ready === null) return { ok: true, url, server, service, init };
  if (server.exit) {
    await service.stop();
    return { ok: false, reason: ready, portTaken: ADDRESS_IN_USE.test(server.exit.stderr) };
  }
  await service.stop();
  const said = failureGist(outputTail((await service.exited).stderr));
  return { ok: false, reason: `${ready}${said ? `; its stderr: ${said}` : ""}`, portTaken: false };
}

/**
 * The server started in `cwd` as the executor starts it, for a profile to measure: its command,
 * its URL (on the port perfloop chose), and `stop`, which ends it and everything it started. A
 * server that does not answer is a PerfloopError naming why (nothing of it left running);
 * `forWhat`, when given, says what it was started for ("the profile" of a run's phase 2).
 */
export async function serveEndpoint(platform: Platform, spec: EndpointTargetSpec, cwd: string, env: Readonly<Record<string, string | undefined>>, forWhat?: string): Promise<{ command: string; url: string; init?: Readonly<Record<string, unknown>>; stop(): Promise<void> }> {
  checkSpec(spec);
  const started = await startServer(platform, spec, cwd, env);
  if (!started.ok) throw new PerfloopError("command_failed", `the server could not be started${forWhat ? ` for ${forWhat}` : ""}: ${started.reason}`, { hint: "check --serve: the server must listen on $PORT and answer the URL (docs/run.md)" });
  return { command: spec.serve, url: started.url.href, ...(started.init ? { init: started.init } : {}), stop: () => started.service.stop() };
}

async function openEndpoint(platform: Platform, spec: EndpointTargetSpec, cwd: string, env: Readonly<Record<string, string | undefined>>): Promise<Opened> {
  const started = await startServer(platform, spec, cwd, env);
  if (!started.ok) return started;
  const { url, server, service, init } = started;
  const fail = async (reason: string): Promise<Opened> => {
    await service.stop();
    return { ok: false, reason };
  };
  const request = { url: url.href, method: spec.method, concurrency: spec.concurrency, timeoutMs: DEFAULT_TIMEOUT_MS, warmupRequests: 0, ...(spec.headers ? { headers: spec.headers } : {}), ...(spec.body !== undefined ? { body: spec.body } : {}), ...(init ? { init } : {}) };
  try {
    await measureEndpoint({ ...request, requests: OPEN_WARMUP_REQUESTS });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return fail(server.exit ? exitReason(server.exit) : `the server stopped answering while warming up: ${error.message}`);
  }
  if (server.exit) return fail(exitReason(server.exit));
  const target: OpenTarget = {
    runOnce: (session, warmup, limits) => endpointRound(server, request, spec.requests, session, warmup, limits),
    close: () => service.stop(),
  };
  return { ok: true, target };
}

/** A service and, once it has exited, how; `onExit` callbacks run then. */
interface Watched {
  exit: SpawnResult | null;
  readonly onExit: Set<() => void>;
  readonly exited: Promise<SpawnResult>;
}

function watch(service: Service): Watched {
  const watched: Watched = { exit: null, onExit: new Set(), exited: service.exited };
  void service.exited.then((result) => {
    watched.exit = result;
    for (const callback of watched.onExit) callback();
  });
  return watched;
}

/** Why the server is gone, with its stderr tail. */
function exitReason(result: SpawnResult, when = ""): string {
  const how = result.spawnError !== null ? `could not start: ${result.spawnError}` : result.signal !== null ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
  // One line: a reason is read in a verdict, an error line, a report (failure-gist.ts).
  const said = failureGist(outputTail(result.stderr));
  return `the server ${how}${when}${said ? `; its stderr: ${said}` : ""}`;
}

/** Null once `url` answers below 500; else why not (the server exited, or the time ran out). */
async function awaitReady(server: Watched, url: string, timeoutMs: number, init: Readonly<Record<string, unknown>> | undefined): Promise<string | null> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (server.exit) return exitReason(server.exit, ` before it answered ${url}`);
    const left = deadline - performance.now();
    if (left <= 0) return `the server did not answer ${url} within ${timeoutMs} ms (does it listen on $PORT?)`;
    const probe = await sendRequest({ url, method: "GET", headers: {}, body: undefined, timeoutMs: Math.max(1, Math.min(READY_PROBE_TIMEOUT_MS, left)), ...(init ? { init } : {}) }, undefined);
    if (probe.kind === "response" && probe.status < 500) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([server.exited, new Promise((resolve) => (timer = setTimeout(resolve, Math.min(READY_POLL_MS, Math.max(0, deadline - performance.now())))))]);
    clearTimeout(timer);
  }
}

type BatchRequest = Omit<Parameters<typeof measureEndpoint>[0], "requests" | "signal">;

/** One round: a batch of `requests` requests, or why it failed. */
async function endpointRound(server: Watched, request: BatchRequest, requests: number, run: number, warmup: boolean, limits: RunLimits): Promise<RunOutcome> {
  const failed = (wallMs: number, fields: Partial<RunFailure> & { message: string }): RunOutcome => {
    const failure: RunFailure = { run, warmup, exit_code: null, signal: null, timed_out: false, spawn_error: null, stderr_tail: "", stdout_tail: "", ...fields };
    return { ok: false, sample: sampleOf(run, warmup, wallMs, null), failure: { ...failure, message: `the endpoint failed on round ${run}${warmup ? " (a warm-up round)" : ""}: ${fields.message}` } };
  };
  const gone = (wallMs: number, exit: SpawnResult) => failed(wallMs, { exit_code: exit.exitCode, signal: exit.signal, spawn_error: exit.spawnError, stderr_tail: outputTail(exit.stderr), stdout_tail: outputTail(exit.stdout), message: exitReason(exit) });
  if (server.exit) return gone(0, server.exit);
  const stop = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, limits.timeoutMs);
  const onExit = () => stop.abort();
  server.onExit.add(onExit);
  const started = performance.now();
  let profile: EndpointProfile;
  try {
    profile = await measureEndpoint({ ...request, requests, timeoutMs: Math.min(request.timeoutMs ?? DEFAULT_TIMEOUT_MS, limits.timeoutMs), signal: stop.signal });
  } catch (error) {
    const wallMs = performance.now() - started;
    if (server.exit) return gone(wallMs, server.exit);
    if (error instanceof CancelledError && timedOut) return failed(wallMs, { timed_out: true, message: `the batch of ${requests} requests did not finish within ${limits.timeoutMs} ms` });
    // The first request could not reach the server at all (measureEndpoint's reachability check).
    if (error instanceof UsageError) return failed(wallMs, { exit_code: 1, stdout_tail: error.message, message: error.message });
    throw error;
  } finally {
    clearTimeout(timer);
    server.onExit.delete(onExit);
  }
  if (server.exit) return gone(profile.window_ms, server.exit);
  const percentiles = profile.latency_percentiles_ms;
  if (profile.succeeded === 0 || percentiles === null) {
    const said = `all ${requests} requests failed (${describeErrors(profile)})`;
    return failed(profile.window_ms, { exit_code: 1, stdout_tail: said, message: said });
  }
  // request_count: what the error guardrail counts the errors against (guardrails.ts).
  const values = { latency_p50_ms: percentiles.p50, latency_p95_ms: percentiles.p95, latency_p99_ms: percentiles.p99, throughput_rps: profile.throughput_rps, error_count: profile.errors.total, request_count: requests };
  return { ok: true, sample: sampleOf(run, warmup, profile.window_ms, values) };
}

function describeErrors(profile: EndpointProfile): string {
  const statuses = Object.entries(profile.status_codes).map(([status, count]) => `${count} x HTTP ${status}`);
  const { network, timeout } = profile.errors;
  return [...statuses, ...(network > 0 ? [`${network} network errors: ${profile.error_examples.join("; ")}`] : []), ...(timeout > 0 ? [`${timeout} timed out`] : [])].join(", ");
}

/** A round's sample: what a process's run would carry is unknown here (the server runs across rounds). */
function sampleOf(run: number, warmup: boolean, wallMs: number, values: Record<string, number> | null): CommandRun {
  return {
    run,
    warmup,
    wall_ms: wallMs,
    cpu_ms: null,
    cpu_user_ms: null,
    cpu_system_ms: null,
    memory_peak_mb: null,
    io_read_bytes: null,
    io_write_bytes: null,
    cpu_wait_ms: null,
    cpu_wait_source: null,
    exit_code: values === null ? null : 0,
    markers: createStepMarkerCollector().result(),
    leftover_processes: null,
    ...(values === null ? {} : { values }),
  };
}
