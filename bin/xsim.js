#!/usr/bin/env node
/* global process */
// The xsim CLI: runs the compiled program from dist/ (built by `npm run build`).
process.env.XSIM_CLI_MAIN = "1";
await import("../dist/services/cli/main.js");
