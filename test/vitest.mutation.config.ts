// The suites `npm run mutate` runs against each mutant: only the fast, in-process ones (no sockets,
// no child processes, no browser), so that one mutant costs well under a second.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: [
      'test/http/conditional.test.ts',
      'test/http/dictionary.test.ts',
      'test/http/encoding.test.ts',
      'test/http/http-date.test.ts',
      'test/http/plan.test.ts',
      'test/http/range.test.ts',
      'test/rewrite/reference-spelling.test.ts',
      'test/rewrite/references.test.ts',
      'test/http/resolve.test.ts',
      'test/serve/respond.test.ts',
      'test/http/versioned-path.test.ts',
    ],
  },
})
