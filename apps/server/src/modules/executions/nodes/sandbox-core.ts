/**
 * One run of user JavaScript inside QuickJS compiled to WebAssembly. Synchronous: the caller (the sandbox worker,
 * or a benchmark) owns the thread. Every run gets a fresh QuickJS runtime and context, so nothing one script does
 * (globals, prototypes) survives into the next; only the compiled WebAssembly module is shared.
 *
 * The guest sees plain ECMAScript plus what the host puts there: the globals it is given (parsed from JSON inside
 * the guest) and a `console` whose output is captured into a bounded log. There is no `require`, no module loader
 * (so `import()` rejects), no `fetch`, timers, `process`, file system or network: the WASM module has no imports
 * that could reach them.
 */
import { newQuickJSWASMModule, newVariant, RELEASE_SYNC, type QuickJSContext, type QuickJSHandle, type QuickJSWASMModule } from 'quickjs-emscripten';

export interface SandboxLimits {
  /** Wall time the guest may run on its thread (its CPU time: the thread does nothing else meanwhile). */
  readonly cpuTimeMs: number;
  /**
   * Guest heap, input included. Enforced twice: QuickJS refuses any single allocation above it, and the instance's
   * WebAssembly memory cannot grow past it plus QUICKJS_BASE_MEMORY (see loadQuickJS).
   */
  readonly memoryBytes: number;
  readonly maxStackBytes: number;
  /** Size of the JSON the globals are sent as. */
  readonly maxInputBytes: number;
  /** Size of the result as JSON. */
  readonly maxOutputBytes: number;
  readonly maxLogEntries: number;
  readonly maxLogBytes: number;
}

export type LogLevel = 'log' | 'info' | 'warn' | 'error' | 'debug';
export interface SandboxLogEntry {
  readonly level: LogLevel;
  readonly message: string;
}

export interface SandboxJob {
  /** The body of an async function: `return` the result; `await` works (there is nothing to wait for outside). */
  readonly code: string;
  /** `{ name: value }` as JSON: each becomes a global of the guest. */
  readonly globalsJson: string;
  /** Extra global names bound to the same value as another global (`{ $json: '$input' }`). */
  readonly aliases?: Readonly<Record<string, string>>;
  readonly limits: SandboxLimits;
}

export type SandboxFailureCode =
  | 'SANDBOX_TIMEOUT'
  | 'SANDBOX_MEMORY'
  | 'SANDBOX_STACK'
  | 'SANDBOX_OUTPUT_TOO_LARGE'
  | 'SANDBOX_NOT_SERIALISABLE'
  | 'SANDBOX_SYNTAX'
  | 'SANDBOX_CODE_ERROR'
  | 'SANDBOX_NEVER_SETTLES';

interface Common {
  readonly logs: readonly SandboxLogEntry[];
  readonly logsTruncated: boolean;
  readonly durationMs: number;
  /** The WebAssembly instance may be corrupt (a host-level fault unwound through it): discard it. */
  readonly poisoned?: boolean;
}
type OutcomeBody =
  | { readonly ok: true; readonly outputJson: string }
  | { readonly ok: false; readonly code: SandboxFailureCode; readonly message: string };
export type SandboxOutcome = Common & OutcomeBody;

/** What QuickJS's WebAssembly memory starts at (the emscripten build's INITIAL_MEMORY): stack, statics, first heap. */
export const QUICKJS_BASE_MEMORY = 16 * 1024 * 1024;
const PAGE = 64 * 1024;

/**
 * A QuickJS instance whose WebAssembly memory can never grow past `QUICKJS_BASE_MEMORY + heapBytes`.
 *
 * QuickJS's own `setMemoryLimit` is not enough under emscripten: its accounting reads `malloc_usable_size`, which is
 * 0 there, so it bounds each allocation but not their sum (quickjs-emscripten issues #255 and #271); a loop of 1 MB
 * strings grows the process without end. The build takes its memory from the host, so we hand it a
 * `WebAssembly.Memory` with a maximum: past it `memory.grow` fails, malloc returns NULL and the guest gets
 * QuickJS's ordinary "out of memory" error. The memory lives as long as the module: run guests of one instance one
 * at a time, and discard the instance after a guest hit the cap (its heap may be fragmented).
 */
export async function loadQuickJS(heapBytes: number): Promise<QuickJSInstance> {
  const maximum = Math.ceil((QUICKJS_BASE_MEMORY + heapBytes) / PAGE);
  const memory = new WebAssembly.Memory({ initial: QUICKJS_BASE_MEMORY / PAGE, maximum });
  const module = await newQuickJSWASMModule(newVariant(RELEASE_SYNC, { wasmMemory: memory }));
  return { module, heapBytes, atCap: () => memory.buffer.byteLength + PAGE > maximum * PAGE };
}

export interface QuickJSInstance {
  readonly module: QuickJSWASMModule;
  /** The heap size the memory cap was built for. */
  readonly heapBytes: number;
  /** Whether the WebAssembly memory has grown to its cap. */
  atCap(): boolean;
}

// Runs first in every context and captures the built-ins it needs before user code can replace them. The host
// keeps handles to the functions it returns, so user code cannot swap those either.
const PRELUDE = `(function (hostLog, maxMessage) {
  'use strict';
  const stringify = JSON.stringify, parse = JSON.parse, Str = String, keys = Object.keys, define = Object.defineProperty;
  const call = Function.prototype.call;
  const join = call.bind(Array.prototype.join), map = call.bind(Array.prototype.map), slice = call.bind(String.prototype.slice);
  const fmt = (v) => {
    if (typeof v === 'string') return v;
    try { const s = stringify(v); return s === undefined ? Str(v) : s; } catch (e) { return Str(v); }
  };
  const logger = (level) => (...args) => {
    const text = join(map(args, fmt), ' ');
    // One character over the budget tells the host the message was cut.
    hostLog(level, text.length > maxMessage ? slice(text, 0, maxMessage + 1) : text);
  };
  const console = { log: logger('log'), info: logger('info'), warn: logger('warn'), error: logger('error'), debug: logger('debug') };
  define(globalThis, 'console', { value: console, writable: true, configurable: true });
  return {
    setGlobals(json, aliasesJson) {
      const data = parse(json), aliases = parse(aliasesJson);
      for (const k of keys(data)) define(globalThis, k, { value: data[k], writable: true, configurable: true });
      for (const k of keys(aliases)) define(globalThis, k, { value: data[aliases[k]], writable: true, configurable: true });
    },
    finish(value) {
      if (value === undefined) throw new TypeError('the code returned undefined: return a JSON value (did you forget "return"?)');
      const s = stringify(value);
      if (typeof s !== 'string') throw new TypeError('the code returned a value JSON cannot represent (' + typeof value + ')');
      return s;
    },
  };
})`;

/** First line of user code shares the wrapper's line, so line numbers in errors match the user's source. */
const wrap = (code: string) => `(async function () { 'use strict'; ${code}\n})`;

const CODE_FILE = 'code.js';

function describeError(vm: QuickJSContext, h: QuickJSHandle): { name: string; message: string; where: string } {
  try {
    const d = vm.dump(h) as { name?: unknown; message?: unknown; stack?: unknown } | unknown;
    if (d && typeof d === 'object') {
      const o = d as { name?: unknown; message?: unknown; stack?: unknown };
      const frame = typeof o.stack === 'string' ? (o.stack.split('\n').find((l) => l.includes(CODE_FILE)) ?? '') : '';
      const at = /code\.js:(\d+)(?::(\d+))?/.exec(frame);
      return { name: String(o.name ?? 'Error'), message: String(o.message ?? ''), where: at ? ` (line ${at[1]})` : '' };
    }
    return { name: 'Error', message: `thrown: ${String(d).slice(0, 500)}`, where: '' };
  } catch {
    // Dumping needs memory; after an out-of-memory error there may be none left.
    return { name: 'InternalError', message: 'out of memory', where: '' };
  }
}

export function runInQuickJS(instance: QuickJSInstance, job: SandboxJob): SandboxOutcome {
  const started = performance.now();
  const { limits } = job;
  const logs: SandboxLogEntry[] = [];
  let logBytes = 0;
  let logsTruncated = false;
  const deadline = Date.now() + limits.cpuTimeMs;
  let timedOut = false;

  const rt = instance.module.newRuntime();
  rt.setMemoryLimit(limits.memoryBytes);
  rt.setMaxStackSize(limits.maxStackBytes);
  rt.setInterruptHandler(() => (timedOut ||= Date.now() > deadline));
  const vm = rt.newContext();
  const handles: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (handles.push(h), h);
  let poisoned = false;
  const done = (o: OutcomeBody): SandboxOutcome => ({ ...o, logs, logsTruncated, durationMs: performance.now() - started });
  const fail = (code: SandboxFailureCode, message: string) => done({ ok: false, code, message });

  const failFrom = (h: QuickJSHandle, stage: 'setup' | 'syntax' | 'run' | 'result'): SandboxOutcome => {
    if (timedOut) return fail('SANDBOX_TIMEOUT', `the code ran longer than its CPU time limit of ${limits.cpuTimeMs} ms`);
    const e = describeError(vm, h);
    // When even the error object cannot be allocated, QuickJS throws null: at the memory cap that is an OOM.
    const nullAtCap = e.message === 'thrown: null' && instance.atCap();
    if (nullAtCap || /out of memory|string too long/i.test(e.message)) {
      return fail('SANDBOX_MEMORY', `the code used more than its memory limit of ${Math.round(limits.memoryBytes / 1048576)} MiB`);
    }
    if (/stack overflow/i.test(e.message)) return fail('SANDBOX_STACK', `stack overflow: recursion is too deep${e.where}`);
    if (stage === 'syntax') return fail('SANDBOX_SYNTAX', `${e.name}: ${e.message}${e.where}`);
    if (stage === 'result') return fail('SANDBOX_NOT_SERIALISABLE', `the result is not JSON-serialisable: ${e.message}`);
    return fail('SANDBOX_CODE_ERROR', `${e.name}: ${e.message}${e.where}`.slice(0, 2000));
  };

  const evaluate = (): SandboxOutcome => {
    const hostLog = keep(
      vm.newFunction('log', (levelH, textH) => {
        if (logsTruncated) return;
        const level = vm.getString(levelH) as LogLevel;
        let text = vm.typeof(textH) === 'string' ? vm.getString(textH) : '';
        const room = limits.maxLogBytes - logBytes;
        if (logs.length >= limits.maxLogEntries || (room <= 0 && text.length > 0)) {
          logsTruncated = true;
          return;
        }
        if (text.length > room) {
          text = text.slice(0, room);
          logsTruncated = true;
        }
        logBytes += text.length;
        logs.push({ level, message: text });
      }),
    );
    const preludeResult = vm.evalCode(PRELUDE, 'prelude.js');
    if (preludeResult.error) return failFrom(keep(preludeResult.error), 'setup');
    const preludeFn = keep(preludeResult.value);
    const api = vm.callFunction(preludeFn, vm.undefined, hostLog, keep(vm.newNumber(limits.maxLogBytes)));
    if (api.error) return failFrom(keep(api.error), 'setup');
    const apiH = keep(api.value);
    const setGlobals = keep(vm.getProp(apiH, 'setGlobals'));
    const finish = keep(vm.getProp(apiH, 'finish'));

    const set = vm.callFunction(
      setGlobals,
      vm.undefined,
      keep(vm.newString(job.globalsJson)),
      keep(vm.newString(JSON.stringify(job.aliases ?? {}))),
    );
    if (set.error) return failFrom(keep(set.error), 'setup');
    keep(set.value);

    const compiled = vm.evalCode(wrap(job.code), CODE_FILE);
    if (compiled.error) return failFrom(keep(compiled.error), 'syntax');
    const called = vm.callFunction(keep(compiled.value), vm.undefined);
    if (called.error) return failFrom(keep(called.error), 'run');
    const promise = keep(called.value);

    // The guest has no timers or I/O, so every job it queues is runnable now; the interrupt handler bounds this.
    const jobs = rt.executePendingJobs(-1);
    if (jobs.error) return failFrom(keep(jobs.error), 'run');
    const state = vm.getPromiseState(promise);
    if (state.type === 'pending') {
      return fail('SANDBOX_NEVER_SETTLES', 'the code awaits something that never settles (the sandbox has no timers or I/O)');
    }
    if (state.type === 'rejected') return failFrom(keep(state.error), 'run');
    const value = keep(state.value);

    const json = vm.callFunction(finish, vm.undefined, value);
    if (json.error) return failFrom(keep(json.error), 'result');
    const jsonH = keep(json.value);
    const tooLarge = () => fail('SANDBOX_OUTPUT_TOO_LARGE', `the result is larger than ${limits.maxOutputBytes} bytes as JSON`);
    // Check the length inside the guest first so an oversized result is never copied out.
    const lengthH = keep(vm.getProp(jsonH, 'length'));
    if (vm.getNumber(lengthH) > limits.maxOutputBytes) return tooLarge();
    const outputJson = vm.getString(jsonH);
    if (Buffer.byteLength(outputJson) > limits.maxOutputBytes) return tooLarge();
    return done({ ok: true, outputJson });
  };

  let outcome: SandboxOutcome;
  try {
    outcome = evaluate();
  } catch (e) {
    // A fault the guest could not catch (the host stack overflowing inside WASM, an abort in QuickJS) leaves the
    // instance mid-operation: report it, and do not touch the instance again.
    poisoned = true;
    outcome =
      e instanceof RangeError
        ? fail('SANDBOX_STACK', 'stack overflow: recursion is too deep')
        : fail('SANDBOX_CODE_ERROR', `sandbox fault: ${(e as Error).message}`);
  }
  if (!poisoned) {
    try {
      for (const h of handles.reverse()) if (h.alive) h.dispose();
      vm.dispose();
      rt.dispose();
    } catch {
      poisoned = true; // QuickJS aborts when a runtime is freed with objects still alive
    }
  }
  return poisoned ? { ...outcome, poisoned } : outcome;
}
