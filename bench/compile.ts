/**
 * Compile time against workflow size: run with `npx tsx bench/compile.ts`.
 *
 * Generates workflows of 10, 100 and 1,000 nodes from the real built-in catalog (a layered graph: every node hangs
 * off one of the ~16 nodes before it, some join two branches) with a realistic mix of configs: field mappings and
 * URLs with references (`{{ $node.p.id }}`), conditions (`$node.p.count > 3 and …`), function calls, JSONata
 * filters and projections (`$node.p.items[price > 10].{ … }`, which take jsonata's full parser), JavaScript sources
 * (not parsed), credentials and headers. Each compile is the production path of `POST /api/compile/`: the pure
 * compiler with the server's ajv config validator (built-in schemas compiled once, as in the server).
 *
 * After checking each generated workflow compiles valid (with a plan covering every node), it times the sizes in 30
 * interleaved rounds (10, 100, 1,000, 10, 100, 1,000 …, about 20 ms of compiling per size and round) after a
 * warm-up, and reports per size the median and p99 time per compile and the mean time per node. Growth is the mean
 * per-node time at 1,000 over that at 100, taken within each round (so load from other processes cancels out) and
 * then the median over rounds: 1.0 is perfectly linear. Means, not medians, because garbage collection lands inside
 * nearly every 1,000-node compile but only in some 100-node ones: medians would charge it to the big workflow alone. Exit code 1 when the median 1,000-node compile takes 50 ms or more, or growth exceeds 1.5.
 * (The p99 is printed too; on a shared 2-core machine it mostly measures who else was running.)
 */
import type { NodeTypeSpec, WorkflowDefinition, WorkflowEdge, WorkflowNode } from '@gatehouse/engine';
import { compile } from '@gatehouse/engine';
import { BUILT_IN_BY_TYPE, createConfigValidator } from '../apps/server/src/modules/nodes/index.ts';
import { WORKFLOW_LIMITS } from '../apps/server/src/modules/compiler/index.ts';

const SIZES = [10, 100, 1000] as const;
const ROUNDS = 30;
/** Compiles per size and round: about 20 ms of work each, so a round's three sizes share the same moment. */
const REPS: Readonly<Record<(typeof SIZES)[number], number>> = { 10: 200, 100: 20, 1000: 2 };
const WARMUP_MS = 1500;
const TARGET_MS_1000 = 50;
const TARGET_GROWTH = 1.5;

/** Deterministic, so every run compiles the same workflows. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function configFor(kind: number, p: string, i: number): [string, Record<string, unknown>] {
  switch (kind) {
    case 0:
    case 1:
    case 2:
      return ['data.set', { values: { id: `{{ $node.${p}.id }}`, label: `item {{ $node.${p}.name }} #${i}`, n: i, user: '{{ $execution.input.user }}' } }];
    case 3:
      return [
        'http.request',
        { method: 'POST', url: `https://api.example.com/items/{{ $node.${p}.id }}`, headers: { accept: 'application/json', 'x-trace': `{{ $node.${p}.trace }}` }, body: { q: `{{ $node.${p}.q }}`, page: i }, credentialId: '6f1c2f4e-3b1d-4c55-9a57-0f0d1a2b3c4d' },
      ];
    case 4:
      return ['logic.if', { condition: `{{ $node.${p}.count > 3 and $node.${p}.status = "ok" }}` }];
    case 5:
      return ['data.transform', { output: `{{ $node.${p}.items[price > 10].{ "name": name, "total": price * qty } }}` }];
    case 6:
      return ['data.filter', { items: `{{ $node.${p}.items }}`, condition: '{{ $item.price > 10 }}' }];
    case 7:
      return ['ai.llm', { prompt: `Summarise {{ $string($node.${p}.body) }} for {{ $input.user }}`, temperature: 0.2, maxTokens: 500 }];
    case 8:
      return ['code.js', { source: `const items = input.items ?? [];\nreturn { count: items.length, first: items[0] ?? null, i: ${i} };`, timeoutMs: 500 }];
    default:
      return ['logic.merge', { mode: 'object' }];
  }
}

export function generate(n: number): WorkflowDefinition {
  const rand = prng(n);
  const nodes: WorkflowNode[] = [{ id: 'start', type: 'trigger.manual', config: {} }];
  const edges: WorkflowEdge[] = [];
  for (let i = 1; i < n; i++) {
    const id = `n${i}`;
    const parent = nodes[Math.max(0, i - 1 - Math.floor(rand() * Math.min(i, 16)))]!;
    const [type, config] = configFor(i % 10, parent.id, i);
    nodes.push({ id, type, config, position: { x: i * 40, y: (i % 16) * 60 } });
    edges.push({ id: `e${i}`, source: parent.id, target: id });
    // Merges join a second branch.
    if (type === 'logic.merge' && i > 2) {
      const other = nodes[Math.floor(rand() * (i - 1))]!;
      if (other.id !== parent.id) edges.push({ id: `e${i}b`, source: other.id, target: id });
    }
  }
  return { nodes, edges };
}

const validator = createConfigValidator();
const lookup = (t: string): NodeTypeSpec | undefined => BUILT_IN_BY_TYPE.get(t);
const run = (d: WorkflowDefinition) => compile(d, lookup, { validateConfig: validator.validate, limits: WORKFLOW_LIMITS });

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

function main(): void {
  const workflows = new Map(SIZES.map((n) => [n, generate(n)]));
  for (const [n, d] of workflows) {
    const r = run(d);
    const errors = r.problems.filter((p) => p.severity === 'error');
    if (!r.valid || r.plan!.order.length !== n) {
      console.error(`sanity: the ${n}-node workflow does not compile cleanly`, errors.slice(0, 3));
      process.exit(1);
    }
  }
  const jsonataShare = [...workflows.get(1000)!.nodes].filter((x) => x.type === 'data.transform').length / 1000;
  console.log(`sanity: all three workflows compile valid; ${Math.round(jsonataShare * 100)}% of nodes hold an expression only jsonata's full parser takes`);

  for (const n of SIZES) {
    const until = performance.now() + WARMUP_MS / SIZES.length;
    while (performance.now() < until) run(workflows.get(n)!);
  }
  console.log(`warm-up done; ${ROUNDS} interleaved rounds`);

  const samples = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const roundGrowth: number[] = [];
  const roundGrowthSmall: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const perNode = new Map<number, number>();
    for (const n of SIZES) {
      const d = workflows.get(n)!;
      let total = 0;
      for (let r = 0; r < REPS[n]; r++) {
        const t0 = performance.now();
        run(d);
        const ms = performance.now() - t0;
        samples.get(n)!.push(ms);
        total += ms;
      }
      perNode.set(n, total / REPS[n] / n);
    }
    roundGrowth.push(perNode.get(1000)! / perNode.get(100)!);
    roundGrowthSmall.push(perNode.get(100)! / perNode.get(10)!);
  }

  const stats = new Map(
    SIZES.map((n) => {
      const xs = samples.get(n)!;
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return [n, { n, count: xs.length, p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), meanPerNodeUs: (mean / n) * 1000 }] as const;
    }),
  );
  for (const s of stats.values()) {
    console.log(`${String(s.n).padStart(5)} nodes: p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms, mean ${s.meanPerNodeUs.toFixed(2)} µs/node (${s.count} compiles)`);
  }
  const s10 = stats.get(10)!;
  const s100 = stats.get(100)!;
  const s1000 = stats.get(1000)!;
  const growth = quantile(roundGrowth, 0.5);
  console.log(`per-node growth (median of ${ROUNDS} rounds): 10→100 ×${quantile(roundGrowthSmall, 0.5).toFixed(2)}, 100→1,000 ×${growth.toFixed(2)} (1.00 = linear)`);
  const ok = s1000.p50 < TARGET_MS_1000 && growth <= TARGET_GROWTH;
  console.log(
    `compile p50/p99: 10 nodes ${s10.p50.toFixed(2)}/${s10.p99.toFixed(2)} ms, 100 nodes ${s100.p50.toFixed(2)}/${s100.p99.toFixed(2)} ms, 1,000 nodes ${s1000.p50.toFixed(2)}/${s1000.p99.toFixed(2)} ms (target p50 < ${TARGET_MS_1000} ms); growth per node 100→1,000 ×${growth.toFixed(2)} (target ≤ ${TARGET_GROWTH})`,
  );
  process.exit(ok ? 0 : 1);
}

main();
