// `npm run test:engines` (scripts/test.sh engines) runs this with vitest; see suiteConfig.ts.
import { defineConfig } from 'vitest/config';
import { suiteConfig } from './suiteConfig.js';

export default defineConfig(suiteConfig('engines'));
