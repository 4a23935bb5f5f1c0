/** Running the CLI in tests: in-process through `main()`, or as the built bin in a child process. */
import { fileURLToPath } from 'node:url'

/** The built bin (`npm test` builds `dist/` first). */
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url))

/** Runs `vstatic <argv>` in this process; resolves with its exit code and what it printed. */
export async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Loaded on first use: tests that only spawn the bin do not compile the CLI's sources.
  const { main } = await import('../../src/cli/main.js')
  let stdout = ''
  let stderr = ''
  const code = await main(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) })
  return { code, stdout, stderr }
}
