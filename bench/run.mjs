// `npm run bench`: runs the compiled benchmarks (the root script builds first).
await import('./dist/main.js');
