// The suites `npm run mutate` runs against each mutant: only the fast, in-process ones (no sockets,
// no child processes, no browser), so that one mutant costs well under a second.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: [
      'test/conditional.test.ts',
      'test/encoding.test.ts',
      'test/http-date.test.ts',
      'test/plan.test.ts',
      'test/range.test.ts',
      'test/reference-spelling.test.ts',
      'test/references.test.ts',
      'test/resolve.test.ts',
      'test/respond.test.ts',
      'test/versioned-path.test.ts',
    ],
  },
})
