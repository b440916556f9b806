/**
 * Splits hypotheses into the uncontested ones (applied together in the strike) and contested
 * groups (A/B-measured against each other on top of it, at most one member kept per group).
 *
 * Two hypotheses contest each other when one names the other in `conflicts_with`, when they share
 * a `group`, or when both are `env` changes setting one variable to different values. Contest is
 * transitive: connected hypotheses form one group. A hypothesis that depends (directly or not) on a
 * contested one cannot join the strike: it becomes a `dependent` of that group, tried only on top
 * of the member(s) it depends on; depending on two groups merges them.
 */
import type { Hypothesis } from "./hypotheses-schema.ts";

export interface ContestedGroup<T extends Hypothesis = Hypothesis> {
  /** The shared group name(s) joined by "+", else `conflict:<member ids>`. */
  name: string;
  /**
   * `knob`: every member is an env change setting the same variables (a sweep);
   * `alternatives`: a declared group; `conflict`: only declared or implicit conflicts.
   */
  kind: "knob" | "alternatives" | "conflict";
  /** The competing hypotheses, in input order; at most one is kept. */
  members: T[];
  /** Hypotheses that depend on a member, in input order; applied only with what they depend on. */
  dependents: T[];
}

export interface ContestedSplit<T extends Hypothesis = Hypothesis> {
  /** In input order (pass orderHypotheses' result); their dependencies are uncontested too. */
  uncontested: T[];
  /** In the input order of their first member. */
  contested: ContestedGroup<T>[];
}

/** Union-find over ids, with path halving. */
class Components {
  private readonly parent = new Map<string, string>();
  find(id: string): string {
    let current = id;
    for (;;) {
      const up = this.parent.get(current) ?? current;
      if (up === current) return current;
      const grand = this.parent.get(up) ?? up;
      this.parent.set(current, grand);
      current = grand;
    }
  }
  union(a: string, b: string): void {
    const rootA = this.find(a);
    const rootB = this.find(b);
    if (rootA !== rootB) this.parent.set(rootB, rootA);
  }
}

function envClash(a: Hypothesis, b: Hypothesis): boolean {
  if (a.change.kind !== "env" || b.change.kind !== "env") return false;
  const setB = b.change.set;
  return Object.entries(a.change.set).some(([name, value]) => name in setB && setB[name] !== value);
}

function envNames(hypothesis: Hypothesis): string | null {
  return hypothesis.change.kind === "env" ? Object.keys(hypothesis.change.set).sort().join("\0") : null;
}

function groupKind(members: readonly Hypothesis[]): ContestedGroup["kind"] {
  const names = envNames(members[0]!);
  if (names !== null && members.every((member) => envNames(member) === names)) return "knob";
  return members.some((member) => member.group !== null) ? "alternatives" : "conflict";
}

export function splitContested<T extends Hypothesis>(list: readonly T[]): ContestedSplit<T> {
  const ids = new Set(list.map((hypothesis) => hypothesis.id));
  const components = new Components();
  const contested = new Set<string>();
  const link = (a: string, b: string) => {
    components.union(a, b);
    contested.add(a);
    contested.add(b);
  };
  const byGroup = new Map<string, string>();
  list.forEach((hypothesis, index) => {
    for (const other of hypothesis.conflicts_with) if (ids.has(other)) link(hypothesis.id, other);
    if (hypothesis.group !== null) {
      const first = byGroup.get(hypothesis.group);
      if (first === undefined) byGroup.set(hypothesis.group, hypothesis.id);
      else link(first, hypothesis.id);
    }
    for (const other of list.slice(index + 1)) if (envClash(hypothesis, other)) link(hypothesis.id, other.id);
  });
  const dependents = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const hypothesis of list) {
      if (contested.has(hypothesis.id) || dependents.has(hypothesis.id)) continue;
      const blocking = hypothesis.dependencies.filter((id) => contested.has(id) || dependents.has(id));
      if (blocking.length === 0) continue;
      for (const id of blocking) components.union(id, hypothesis.id);
      dependents.add(hypothesis.id);
      changed = true;
    }
  }
  const groups = new Map<string, ContestedGroup<T>>();
  const uncontested: T[] = [];
  for (const hypothesis of list) {
    if (!contested.has(hypothesis.id) && !dependents.has(hypothesis.id)) {
      uncontested.push(hypothesis);
      continue;
    }
    const root = components.find(hypothesis.id);
    let group = groups.get(root);
    if (!group) {
      group = { name: "", kind: "conflict", members: [], dependents: [] };
      groups.set(root, group);
    }
    (contested.has(hypothesis.id) ? group.members : group.dependents).push(hypothesis);
  }
  for (const group of groups.values()) {
    const names = [...new Set(group.members.flatMap((member) => (member.group === null ? [] : [member.group])))].sort();
    group.name = names.length > 0 ? names.join("+") : `conflict:${group.members.map((member) => member.id).join(",")}`;
    group.kind = groupKind(group.members);
  }
  const position = new Map(list.map((hypothesis, index) => [hypothesis.id, index]));
  const first = (group: ContestedGroup<T>) => position.get(group.members[0]!.id)!;
  return { uncontested, contested: [...groups.values()].sort((a, b) => first(a) - first(b)) };
}
