#!/usr/bin/env node
// qsub-container: the installed command. All logic lives in dist/cli/main.js.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
