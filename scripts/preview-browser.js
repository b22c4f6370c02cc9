// npm run preview:browser -- --port N: the browser preview, for development and tests (see src/main/preview).
require('tsx/cjs/api').register();
require('../src/main/preview/main.ts');
