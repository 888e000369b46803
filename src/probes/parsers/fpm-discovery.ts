// Old name of discover-fpm.ts, kept only for src/remediation/procedures/discover.ts (being reworked
// on another branch): once it imports ./discover-fpm.js, delete this file.
export * from './discover-fpm.js';
