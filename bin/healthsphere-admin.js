#!/usr/bin/env node
// healthsphere-admin: the administrator's command line, on the same core as the app, under plain Node.
require('tsx/cjs/api').register();
require('../src/main/cli/main.ts');
