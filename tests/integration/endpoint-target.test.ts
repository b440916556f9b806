// Endpoint targets (src/profile/endpoint-target.ts) against a local node:http server on
// 127.0.0.1 (loopback only), under Bun (`bun test`) and Deno (`deno test -A --no-check`). The
// server counts what it receives, so the request bound and the concurrency are checked where
// they matter: on the server's side.
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { test } from "node:test";
import { CancelledError, UsageError } from "../../src/errors.ts";
import { type EndpointProgress, measureEndpoint } from "../../src/profile/endpoint-target.ts";
import { runtimeName } from "../helpers/cli.ts";

/** How long the slow route waits before it answers. */
const SLOW_MS = 15;
/** Requests to the hanging routes are answered (too late) after this, so no timer outlives a test. */
const HANG_MS = 1000;

interface LocalServer {
  base: string;
  /** Requests received, by path. */
  received: Map<string, number>;
  total(): number;
  /** Most requests being handled at the same time. */
  maxInFlight(): number;
  close(): Promise<void>;
}

async function startServer(): Promise<LocalServer> {
  const received = new Map<string, number>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let inFlight = 0;
  let maxInFlight = 0;
  const later = (ms: number, then: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    const nth = (received.get(path) ?? 0) + 1;
    received.set(path, nth);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const answer = (status: number, body: string) => {
      inFlight--;
      if (!response.writableEnded && !response.destroyed) response.writeHead(status, { "content-type": "text/plain" }).end(body);
    };
    request.resume();
    if (path === "/fast") answer(200, "ok");
    else if (path === "/slow") later(SLOW_MS, () => answer(200, "slow"));
    else if (path === "/error") answer(500, "broken");
    else if (path === "/hang") later(HANG_MS, () => answer(200, "too late"));
    // Every even-numbered request hangs; the first answers, so the server counts as reachable.
    else if (path === "/flaky") nth % 2 === 0 ? later(HANG_MS, () => answer(200, "too late")) : answer(200, "ok");
    else answer(404, "no such route");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    total: () => [...received.values()].reduce((sum, n) => sum + n, 0),
    maxInFlight: () => maxInFlight,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function withServer(body: (server: LocalServer) => Promise<void>): Promise<void> {
  const server = await startServer();
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test("runs under Bun or Deno", () => {
  const runtime = runtimeName();
  assert.ok(runtime === "bun" || runtime === "deno", `unexpected runtime ${runtime}`);
  const expected = process.env.PERFLOOP_EXPECT_RUNTIME;
  if (expected) assert.equal(runtime, expected);
});

test("exactly requests + warm-up requests arrive, never more than the concurrency at once", async () => {
  await withServer(async (server) => {
    const progress: EndpointProgress[] = [];
    const profile = await measureEndpoint({
      url: `${server.base}/slow`,
      requests: 30,
      warmupRequests: 3,
      concurrency: 3,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(server.received.get("/slow"), 33);
    assert.equal(server.total(), 33);
    assert.equal(profile.sent, 33);
    assert.ok(server.maxInFlight() <= 3, `${server.maxInFlight()} requests in flight at once`);
    assert.ok(server.maxInFlight() >= 2, "the requests did run concurrently");
    assert.equal(profile.completed, 30);
    assert.equal(profile.succeeded, 30);
    assert.deepEqual(profile.errors, { total: 0, http: 0, network: 0, timeout: 0 });
    assert.deepEqual(profile.status_codes, { "200": 30 });
    assert.equal(profile.bytes_received, 30 * "slow".length);
    assert.equal(profile.http_round_trips, 1);
    assert.equal(progress.filter((p) => p.phase === "warmup").length, 3);
    assert.deepEqual(progress.at(-1), { phase: "measure", done: 30, total: 30 });
    const latency = profile.latency_ms;
    const pct = profile.latency_percentiles_ms;
    assert.ok(latency && pct);
    assert.equal(latency.n, 30);
    assert.ok(latency.ci[0] <= latency.median && latency.median <= latency.ci[1]);
    assert.ok(pct.min <= pct.p50 && pct.p50 <= pct.p90 && pct.p90 <= pct.p95 && pct.p95 <= pct.p99 && pct.p99 <= pct.max);
    assert.equal(pct.p50, latency.median);
    assert.ok(pct.min >= SLOW_MS - 1, `a ${SLOW_MS} ms route answered in ${pct.min} ms`);
    assert.ok(profile.throughput_rps > 0 && profile.window_ms > 0);
    // 30 requests, 3 at a time, each >= SLOW_MS: the window is at least 10 rounds.
    assert.ok(profile.window_ms >= 10 * (SLOW_MS - 1), `window ${profile.window_ms} ms`);
  });
});

test("without warm-up the first request is measured, and the bound still holds", async () => {
  await withServer(async (server) => {
    const profile = await measureEndpoint({ url: `${server.base}/fast`, requests: 12, warmupRequests: 0, concurrency: 5 });
    assert.equal(server.total(), 12);
    assert.equal(profile.sent, 12);
    assert.equal(profile.succeeded, 12);
    assert.equal(profile.latency_ms?.n, 12);
  });
});

test("a slow route has a larger median than a fast one", async () => {
  await withServer(async (server) => {
    const fast = await measureEndpoint({ url: `${server.base}/fast`, requests: 20, warmupRequests: 2, concurrency: 2 });
    const slow = await measureEndpoint({ url: `${server.base}/slow`, requests: 20, warmupRequests: 2, concurrency: 2 });
    assert.ok(fast.latency_ms && slow.latency_ms);
    assert.ok(slow.latency_ms.median > fast.latency_ms.median, `slow ${slow.latency_ms.median} ms, fast ${fast.latency_ms.median} ms`);
    assert.ok(slow.throughput_rps < fast.throughput_rps);
  });
});

test("500 responses are HTTP errors, with no latency statistics", async () => {
  await withServer(async (server) => {
    const profile = await measureEndpoint({ url: `${server.base}/error`, method: "post", body: "{}", requests: 10, warmupRequests: 1 });
    assert.equal(server.total(), 11);
    assert.equal(profile.method, "POST");
    assert.deepEqual(profile.errors, { total: 10, http: 10, network: 0, timeout: 0 });
    assert.deepEqual(profile.status_codes, { "500": 10 });
    assert.equal(profile.completed, 10);
    assert.equal(profile.succeeded, 0);
    assert.equal(profile.latency_ms, null);
    assert.equal(profile.latency_percentiles_ms, null);
    assert.equal(profile.warmup_errors, 1);
  });
});

test("requests without an answer in time are timeouts", async () => {
  await withServer(async (server) => {
    // Arrivals 2..11 are measured (arrival 1 is the warm-up); the even ones hang.
    const profile = await measureEndpoint({ url: `${server.base}/flaky`, requests: 10, warmupRequests: 1, concurrency: 2, timeoutMs: 150 });
    assert.equal(server.total(), 11);
    assert.deepEqual(profile.errors, { total: 5, http: 0, network: 0, timeout: 5 });
    assert.equal(profile.succeeded, 5);
    assert.equal(profile.completed, 5);
    assert.deepEqual(profile.status_codes, { "200": 5 });
  });
});

test("an unreachable port is a UsageError before anything is measured", async () => {
  const port = await closedPort();
  const url = `http://127.0.0.1:${port}/align`;
  const progress: EndpointProgress[] = [];
  await assert.rejects(measureEndpoint({ url, requests: 50, onProgress: (p) => progress.push(p) }), (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.ok(error.message.startsWith(`cannot reach ${url}: `), error.message);
    assert.ok(!error.message.includes("\n"));
    assert.match(error.hint ?? "", /is the server running\? start it first/);
    assert.equal(error.exitCode, 2);
    return true;
  });
  assert.deepEqual(progress, []);
});

test("a server that never answers the first request is a UsageError too", async () => {
  await withServer(async (server) => {
    const url = `${server.base}/hang`;
    await assert.rejects(measureEndpoint({ url, requests: 50, timeoutMs: 100 }), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.equal(error.message, `${url} did not answer within 100 ms`);
      assert.match(error.hint ?? "", /--timeout/);
      return true;
    });
    assert.equal(server.total(), 1);
  });
});

test("aborting the signal stops the loop with a CancelledError", async () => {
  await withServer(async (server) => {
    const controller = new AbortController();
    const run = measureEndpoint({
      url: `${server.base}/slow`,
      requests: 1000,
      warmupRequests: 1,
      concurrency: 2,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.phase === "measure" && p.done === 4) controller.abort();
      },
    });
    await assert.rejects(run, (error: unknown) => error instanceof CancelledError);
    assert.ok(server.total() <= 1 + 4 + 2, `${server.total()} requests arrived after the abort`);
  });
});

test("bad input is a UsageError and sends nothing", async () => {
  const cases: [Parameters<typeof measureEndpoint>[0], RegExp][] = [
    [{ url: "ftp://127.0.0.1/file" }, /only http:\/\/ and https:\/\/ endpoints/],
    [{ url: "not a url" }, /not a valid URL: not a url/],
    [{ url: "http://127.0.0.1:9/", requests: 0 }, /the request count must be a whole number from 1 to/],
    [{ url: "http://127.0.0.1:9/", concurrency: 0 }, /the concurrency must be a whole number from 1 to/],
    [{ url: "http://127.0.0.1:9/", warmupRequests: -1 }, /the warm-up request count must be/],
    [{ url: "http://127.0.0.1:9/", timeoutMs: 0 }, /the request timeout must be/],
    [{ url: "http://127.0.0.1:9/", body: "x" }, /a GET request cannot have a body/],
    [{ url: "http://127.0.0.1:9/", method: "GE T" }, /not an HTTP method/],
  ];
  for (const [options, message] of cases) {
    await assert.rejects(measureEndpoint(options), (error: unknown) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, message);
      assert.ok((error.hint ?? "").length > 0);
      return true;
    });
  }
});
