#!/usr/bin/env node
// The published entry point runs the TypeScript sources through tsx's loader.
import { register } from 'tsx/esm/api';
register();
await import('../src/cli.ts');
