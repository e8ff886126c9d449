#!/usr/bin/env node
import { endQuietlyOnClosedStdout } from '../dist/src/cli/closed-stdout.js';
import { main } from '../dist/src/cli/main.js';

if (process.argv[2] !== 'start') endQuietlyOnClosedStdout();
process.exitCode = await main(process.argv.slice(2));
