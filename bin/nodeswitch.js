#!/usr/bin/env node
// The nodeswitch command: runs the compiled CLI (npm run build makes dist/).
import { main } from '../dist/src/cli/main.js';
import { exitWhenDrained, toleratePipeReadersGoing } from '../dist/src/cli/exit.js';

toleratePipeReadersGoing();
// Not process.exit() at once: output still queued for a pipe would be lost.
await exitWhenDrained(await main(process.argv.slice(2)));
