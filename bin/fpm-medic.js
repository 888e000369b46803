#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
import('../dist/cli/run.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('fpm-medic: dist/ is missing; run `npm run build` (npm install does it for you).');
    process.exit(70);
  }
  throw err;
});
