// Old name of runtime.ts, kept only for src/remediation/procedures/discover.ts (being reworked on
// another branch): once it imports ./runtime.js, delete this file.
export * from './runtime.js';
