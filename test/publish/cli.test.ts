import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { run } from '../helpers/cli.js'
import { buildSite, type SiteBuild } from '../helpers/publish-build.js'
import { type S3Server, startS3 } from '../helpers/s3.js'

let s3: S3Server
let site: SiteBuild
beforeAll(async () => {
  s3 = await startS3()
  site = await buildSite()
})
afterAll(async () => {
  await s3?.close()
  site?.remove()
})

/** Credentials and region as the SDK's default chain finds them, and no shared config from this machine. */
function useEnvironment(accessKeyId = 'S3RVER'): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', accessKeyId)
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER')
  vi.stubEnv('AWS_REGION', 'us-east-1')
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/aws-config')
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/aws-credentials')
  vi.stubEnv('AWS_PROFILE', undefined)
  vi.stubEnv('AWS_ENDPOINT_URL', undefined)
  vi.stubEnv('AWS_ENDPOINT_URL_S3', undefined)
}

beforeEach(() => {
  useEnvironment()
  return () => vi.unstubAllEnvs()
})

const publishArgs = (to: string, ...extra: string[]) => [
  'publish',
  site.outDir,
  '--manifest',
  site.manifest,
  '--to',
  to,
  '--endpoint',
  s3.endpoint,
  ...extra,
]

describe('vstatic publish', () => {
  it('publishes, prints a summary, and writes nothing the second time', async () => {
    const first = await run(publishArgs(`s3://${s3.bucket}/cli/static`))
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(
      new RegExp(
        `^Published build [0-9a-f]{16} to s3://${s3.bucket}/cli/static/: 13 uploaded \\(0\\.02 MB\\), 0 skipped \\(0\\.00 MB\\), 0 deleted; cli/static/static-manifest.json written; 1 build\\(s\\) kept; \\d+ ms\\n$`,
      ),
    )
    const second = await run(publishArgs(`s3://${s3.bucket}/cli/static`))
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(
      /: 0 uploaded \(0\.00 MB\), 13 skipped \(0\.02 MB\), 0 deleted; cli\/static\/static-manifest\.json unchanged;/,
    )
  })

  it('prints the plan with --dry-run and writes nothing', async () => {
    const result = await run(publishArgs(`s3://${s3.bucket}/dry/static`, '--dry-run'))
    expect(result.code).toBe(0)
    const lines = result.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(14)
    expect(lines[0]).toMatch(/^upload {3}dry\/static\/assets\/index-AbCd1234\.js \(\d+ B, new\)$/)
    expect(lines.at(-1)).toMatch(
      /^Dry run for s3:\/\/assets\/dry\/static\/, build [0-9a-f]{16}: would upload 13 \(0\.02 MB\), skip 0, delete 0 and write dry\/static\/static-manifest\.json; nothing written$/,
    )
    const again = await run(publishArgs(`s3://${s3.bucket}/dry/static`, '--dry-run', '--json'))
    expect(JSON.parse(again.stdout)).toMatchObject({
      dryRun: true,
      uploaded: { files: 13 },
      manifestsWritten: 0,
    })
  })

  it('exits 1 with the reason when the store refuses the credentials', async () => {
    useEnvironment('NOT-A-KEY')
    const result = await run(publishArgs(`s3://${s3.bucket}/static`))
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      new RegExp(
        `^vstatic: s3://${s3.bucket}/static/ at ${s3.endpoint} refused the credentials while listing s3://${s3.bucket}/static/ \\(InvalidAccessKeyId: .*\\); check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and the bucket's policy\\n$`,
      ),
    )
  })

  it('exits 1 naming a bucket that does not exist', async () => {
    const result = await run(publishArgs('s3://no-such-bucket/static'))
    expect(result.code).toBe(1)
    expect(result.stderr).toBe(
      `vstatic: the bucket "no-such-bucket" does not exist (s3://no-such-bucket/static/ at ${s3.endpoint})\n`,
    )
  })

  it.each([
    [
      ['publish', '--to', 's3://b/x'],
      'vstatic: publish needs the output directory of the build: vstatic publish <out-dir> --to s3://…',
    ],
    [['publish', 'out'], 'vstatic: publish needs --to s3://bucket/prefix'],
    [
      ['publish', 'out', '--to', 'bucket/x'],
      'vstatic: --to must look like s3://bucket/prefix, got "bucket/x"',
    ],
    [
      ['publish', 'out', '--to', 's3://bucket/x', '--keep', 'all'],
      'vstatic: --keep must be a whole number, got "all"',
    ],
    [
      ['publish', 'out', '--to', 's3://bucket/x', '--dryrun'],
      'vstatic: unknown option --dryrun (did you mean --dry-run?)',
    ],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const result = await run(argv)
    expect(result.code).toBe(2)
    expect(result.stderr.split('\n')[0]).toBe(message)
  })

  it('explains itself in --help and in the overview', async () => {
    const help = await run(['publish', '--help'])
    expect(help.code).toBe(0)
    for (const option of [
      '--manifest',
      '--to',
      '--endpoint',
      '--region',
      '--keep',
      '--dry-run',
      '--concurrency',
      '--variants',
    ]) {
      expect(help.stdout).toContain(`  ${option}`)
    }
    expect(help.stdout).toContain('npm install @aws-sdk/client-s3')
    const overview = await run(['--help'])
    expect(overview.stdout).toContain(
      '\n  publish <out-dir>     Put a build on S3-compatible object storage, for a CDN\n',
    )
  })

  it('says which package to install when the AWS SDK is missing', async () => {
    vi.resetModules()
    vi.doMock('@aws-sdk/client-s3', () => {
      throw Object.assign(
        new Error(
          "Cannot find package '@aws-sdk/client-s3' imported from /app/node_modules/vstatic/dist/publish/s3-store.js",
        ),
        {
          code: 'ERR_MODULE_NOT_FOUND',
        },
      )
    })
    try {
      const result = await run(publishArgs(`s3://${s3.bucket}/nosdk/static`))
      expect(result.code).toBe(1)
      expect(result.stderr).toBe(
        'vstatic: vstatic publish needs the AWS SDK\'s S3 client, which is not installed: run "npm install @aws-sdk/client-s3" in your project\n',
      )
    } finally {
      vi.doUnmock('@aws-sdk/client-s3')
      vi.resetModules()
    }
  })
})
