export { seedDemo, DemoAccountsExist, DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_WARNING, type DemoSeed } from './demo.ts';
export { registerSeedDemo } from './seed.cli.ts';
