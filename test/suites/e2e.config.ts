// `npm run test:e2e` (scripts/test.sh e2e) runs this with vitest; see suiteConfig.ts.
import { defineConfig } from 'vitest/config';
import { suiteConfig } from './suiteConfig.js';

export default defineConfig(suiteConfig('e2e'));
