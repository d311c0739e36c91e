#!/usr/bin/env node
// The nodeswitch command: runs the compiled CLI (npm run build makes dist/).
import { main } from '../dist/src/cli/main.js';

process.exit(await main(process.argv.slice(2)));
