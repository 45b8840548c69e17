// `npm run test:unit` (scripts/test.sh unit) runs this with vitest; see suiteConfig.ts.
import { defineConfig } from 'vitest/config';
import { suiteConfig } from './suiteConfig.js';

export default defineConfig(suiteConfig('unit'));
