/**
 * perfloop's side of the resident spawner (spawner-server.ts): starts it, sends it commands and
 * reads back their results, with the same `spawn(request)` signature as Platform.spawn.
 *
 * The spawner runs in a session of its own, like every child, so a Ctrl-C at the terminal reaches
 * perfloop only; while commands run, perfloop forwards SIGINT, SIGTERM and SIGHUP to it
 * (live-children.ts) and the spawner forwards them to the command. It is not killed when
 * perfloop exits: its input then ends, and it ends its commands and their orphans itself.
 */
import { spawn as startProcess, type ChildProcess } from "node:child_process";
import * as v from "valibot";
import { PerfloopError } from "../errors.ts";
import type { Confinement } from "./landlock.ts";
import { reserveGroupSlot } from "./live-children.ts";
import { FromSpawnerSchema, JsonLines, SPAWNER_COMMAND, type FromSpawner, type SpawnerConfig, type WireRequest } from "./spawner-protocol.ts";
import type { OutputStreamName, SpawnRequest, SpawnResult } from "./spawn-types.ts";

/** A cold start of the runtime under load can take seconds; a spawner that is not ready by then is broken. */
const START_TIMEOUT_MS = 30_000;
/** After `close`, how long the spawner may take to end its children before it is killed. */
const CLOSE_GRACE_MS = 3_000;
/** Bytes of the spawner's own stderr kept for the error message when it dies. */
const STDERR_TAIL_BYTES = 4_096;

export interface Spawner {
  readonly pid: number;
  /** Whether its commands are confined, and how; or why not. */
  readonly confinement: Confinement;
  /** Whether it ends orphaned descendants (a subreaper). */
  readonly subreaper: boolean;
  /** Runs one command to completion (commands sent together run one after the other). */
  spawn(request: SpawnRequest): Promise<SpawnResult>;
  /** Sends `signal` to the command running now (its whole process group). */
  interrupt(signal: "SIGINT" | "SIGTERM" | "SIGHUP"): void;
  /** Ends the spawner and everything it started. */
  close(): Promise<void>;
}

interface Pending {
  resolve(result: SpawnResult): void;
  reject(error: Error): void;
  onLine?: (stream: OutputStreamName, line: string) => void;
}

/** Starts `command` (this perfloop) as a spawner with `config`. */
export function startSpawner(command: readonly string[], env: Record<string, string | undefined>, config: SpawnerConfig): Promise<Spawner> {
  const [file, ...args] = command;
  if (!file) return Promise.reject(new Error("startSpawner: empty command"));
  const child: ChildProcess = startProcess(file, [...args, SPAWNER_COMMAND, JSON.stringify(config)], {
    env: definedOnly(env),
    stdio: ["pipe", "pipe", "pipe"],
    detached: true,
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let stderrTail = "";
  let ended: string | null = null;
  let ready: (spawner: Spawner) => void;
  let failed: (error: Error) => void;
  const started = new Promise<Spawner>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const startTimer = setTimeout(() => {
    failed(new PerfloopError("spawner_failed", `perfloop's spawner did not start within ${START_TIMEOUT_MS / 1000} s${tail()}`, { hint: "the machine may be overloaded; try again" }));
    child.kill("SIGKILL");
  }, START_TIMEOUT_MS);
  const tail = () => (stderrTail.trim() ? `: ${stderrTail.trim().split("\n").slice(-3).join(" | ")}` : "");

  const onMessage = (message: FromSpawner) => {
    if ("ready" in message) {
      clearTimeout(startTimer);
      ready(spawner(message.pid, message.confinement, message.subreaper));
      return;
    }
    const waiting = pending.get(message.id);
    if (!waiting) return;
    if ("line" in message) {
      waiting.onLine?.(message.line.stream, message.line.text);
      return;
    }
    pending.delete(message.id);
    if ("result" in message) waiting.resolve(message.result);
    else waiting.reject(new PerfloopError("spawner_failed", `perfloop's spawner could not run the command: ${message.error}`));
  };
  const lines = new JsonLines((line) => {
    let message: FromSpawner;
    try {
      message = v.parse(FromSpawnerSchema, JSON.parse(line));
    } catch (error) {
      stderrTail = `${stderrTail}\nunreadable message from the spawner: ${(error as Error).message}`.slice(-STDERR_TAIL_BYTES);
      return;
    }
    onMessage(message);
  });
  child.stdout?.on("data", (chunk: Uint8Array) => lines.push(chunk));
  child.stderr?.on("data", (chunk: Uint8Array) => {
    stderrTail = (stderrTail + new TextDecoder().decode(chunk)).slice(-STDERR_TAIL_BYTES);
  });
  child.stdin?.on("error", () => {}); // EPIPE once it has ended: reported through "exit".
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      ended = signal ? `was ended by ${signal}` : `exited with code ${code}`;
      clearTimeout(startTimer);
      const error = new PerfloopError("spawner_failed", `perfloop's spawner (pid ${child.pid}) ${ended}${tail()}`, { hint: "this is a bug in perfloop or the machine ran out of memory; perfloop resume retries" });
      failed(error);
      for (const waiting of pending.values()) waiting.reject(error);
      pending.clear();
      resolve();
    });
  });
  child.once("error", (error) => failed(new PerfloopError("spawner_failed", `perfloop could not start its spawner (${file}): ${error.message}`)));
  // An idle spawner nobody closed must not keep perfloop (or a test runner) alive; one that is
  // starting or running a command must (Deno ends a loop with nothing referenced in it).
  let inFlight = 0;
  const refs = (on: boolean) => {
    for (const handle of [child, child.stdout, child.stderr, child.stdin] as ({ ref?: () => void; unref?: () => void } | null)[]) {
      if (on) handle?.ref?.();
      else handle?.unref?.();
    }
  };
  const hold = <T>(work: Promise<T>): Promise<T> => {
    if (inFlight++ === 0) refs(true);
    return work.finally(() => {
      if (--inFlight === 0 && !ended) refs(false);
    });
  };

  const send = (message: unknown) => child.stdin?.write(`${JSON.stringify(message)}\n`);

  function spawner(pid: number, confinement: Confinement, subreaper: boolean): Spawner {
    return {
      pid,
      confinement,
      subreaper,
      spawn(request) {
        if (ended) return Promise.reject(new PerfloopError("spawner_failed", `perfloop's spawner (pid ${pid}) ${ended}${tail()}`));
        const id = nextId++;
        const slot = reserveGroupSlot({ killOnExit: false });
        slot.attach(child.pid ?? pid);
        const result = new Promise<SpawnResult>((resolve, reject) => {
          pending.set(id, { resolve, reject, ...(request.onOutputLine ? { onLine: request.onOutputLine } : {}) });
        });
        send({ id, request: toWire(request) });
        return hold(result).finally(() => slot.release());
      },
      interrupt(signal) {
        if (!ended) send({ signal });
      },
      async close() {
        if (ended) return;
        send({ close: true });
        child.stdin?.end();
        const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS);
        await hold(exited);
        clearTimeout(timer);
      },
    };
  }
  return hold(started);
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  return out;
}

function toWire(request: SpawnRequest): WireRequest {
  return {
    ...(request.shell !== undefined ? { shell: request.shell } : { argv: [...request.argv] }),
    cwd: request.cwd,
    env: definedOnly(request.env),
    timeoutMs: request.timeoutMs,
    maxOutputBytes: request.maxOutputBytes,
    ...(request.stdin !== undefined ? { stdin: request.stdin } : {}),
    lines: request.onOutputLine !== undefined,
    ...(request.exactPeakMemory ? { exactPeakMemory: true } : {}),
    ...(request.keepLines ? { keepLines: { ...request.keepLines, marks: [...request.keepLines.marks] } } : {}),
  };
}
