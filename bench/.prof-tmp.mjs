import { fork } from 'node:child_process';
import autocannon from 'autocannon';
const kind = process.argv[2] ?? 'gated';
const p = fork(new URL('./access-overhead.ts', import.meta.url).pathname, ['serve', kind], {
  execArgv: ['--import', 'tsx', '--cpu-prof', '--cpu-prof-dir=/tmp/prof'],
});
const ready = await new Promise((r) => p.on('message', (m) => m.type === 'ready' && r(m)));
const headers = ready.tokens ? { authorization: `Bearer ${ready.tokens.enterprise}` } : {};
const r = await autocannon({ url: `http://127.0.0.1:${ready.port}/bench/${kind}`, connections: 50, duration: 8, headers });
console.log(kind, r.requests.average, r.non2xx);
p.send('close');
await new Promise((r) => p.on('exit', r));
