/**
 * `vstatic publish`: put a build's output directory on S3-compatible object storage.
 * @module
 */
import { type PublishSummary, publish as publishBuild } from '../publish/publish.js'
import { parseCommand, parseOptionalWhole } from './args.js'
import { type CliIo, type Command, type OptionTable, UsageError } from './command.js'
import { PhaseProgressBar } from './progress-bar.js'

const OPTIONS = {
  manifest: {
    type: 'string',
    default: 'static-manifest.json',
    value: '<file>',
    help: 'The manifest of the build (default static-manifest.json)',
  },
  to: { type: 'string', value: '<s3://bucket/prefix>', help: 'Where to publish (required)' },
  'manifest-key': {
    type: 'string',
    value: '<name>',
    help: "The manifest's key under the prefix (default static-manifest.json)",
  },
  endpoint: {
    type: 'string',
    value: '<url>',
    help: [
      'S3-compatible endpoint (R2, MinIO, Ceph, …), addressed',
      'path-style (default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,',
      'else AWS)',
    ],
  },
  region: { type: 'string', value: '<region>', help: 'Region (default AWS_REGION or the profile’s)' },
  keep: {
    type: 'string',
    value: '<n>',
    help: [
      'Keep the objects of the last n published builds, this one',
      'included (default 2); older ones are deleted',
    ],
  },
  'dry-run': { type: 'boolean', default: false, help: 'Print the plan; write and delete nothing' },
  concurrency: { type: 'string', value: '<n>', help: 'Requests in flight at once (default 8)' },
  variants: {
    type: 'boolean',
    default: false,
    help: [
      'Also publish the .br and .gz variants with Content-Encoding',
      '(needs a CDN rule that picks them; see the publish guide)',
    ],
  },
  'max-age': {
    type: 'string',
    value: '<s>',
    help: 'max-age for names without a token (default 0: no-cache)',
  },
  json: { type: 'boolean', default: false, help: 'Print a machine-readable summary' },
  quiet: { type: 'boolean', default: false, help: 'Print nothing but errors' },
} satisfies OptionTable

export const publish: Command<typeof OPTIONS> = {
  synopsis: 'publish <out-dir>',
  summary: 'Put a build on S3-compatible object storage, for a CDN',
  usage: 'vstatic publish <out-dir> --manifest <file> --to s3://bucket/prefix [options]',
  description: `Upload the output directory of "vstatic build --out-dir" to a bucket, each
object with the headers vstatic sends for it: Content-Type with charset,
Cache-Control immutable exactly for content-addressed names, the SHA-256 and SRI
as metadata. A key that holds the same bytes is skipped, a content-addressed
key is written with If-None-Match: * and never overwritten. The manifest goes
up last, after every object is checked, and objects that none of the last
--keep published manifests name are deleted after it.`,
  options: OPTIONS,
  footer: `Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, …). Needs the optional
package @aws-sdk/client-s3: npm install @aws-sdk/client-s3`,
  run: runPublish,
}

async function runPublish(args: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommand(publish, args, io)
  if (parsed === undefined) return 0
  const { values, positionals } = parsed
  const [outDir, ...extra] = positionals
  if (outDir === undefined) {
    throw new UsageError(
      'publish needs the output directory of the build: vstatic publish <out-dir> --to s3://…',
    )
  }
  if (extra.length > 0)
    throw new UsageError(`publish takes one output directory, got ${positionals.join(' ')}`)
  if (values.to === undefined) throw new UsageError('publish needs --to s3://bucket/prefix')
  if (!values.to.startsWith('s3://')) {
    throw new UsageError(`--to must look like s3://bucket/prefix, got ${JSON.stringify(values.to)}`)
  }
  const echo = !values.quiet && !values.json
  const progress = new PhaseProgressBar(
    echo && process.stderr.isTTY === true,
    '{value}/{total} objects, {megabytes} MB uploaded',
  )
  const summary = await publishBuild({
    outDir,
    manifest: values.manifest,
    to: values.to,
    manifestKey: values['manifest-key'],
    endpoint: values.endpoint,
    region: values.region,
    keep: parseOptionalWhole('--keep', values.keep),
    concurrency: parseOptionalWhole('--concurrency', values.concurrency),
    maxAge: parseOptionalWhole('--max-age', values['max-age']),
    dryRun: values['dry-run'],
    variants: values.variants,
    onWarning: (message) => {
      if (echo) io.stderr(`vstatic: warning: ${message}\n`)
    },
    onProgress: (update) => progress.update(update),
  }).finally(() => progress.stop())
  if (values.json) io.stdout(`${JSON.stringify(toJson(summary), null, 2)}\n`)
  else if (!values.quiet) io.stdout(formatSummary(summary))
  return 0
}

function formatSummary(summary: PublishSummary): string {
  const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`
  const { uploaded, skipped, deleted } = summary
  if (summary.dryRun) {
    const lines = summary.plan.objects
      .filter((planned) => planned.action !== 'skip')
      .map(
        (planned) =>
          `${planned.action.padEnd(8)} ${planned.key} (${planned.object.size} B, ${planned.reason})`,
      )
    lines.push(...summary.plan.deletions.map((key) => `delete   ${key}`))
    lines.push(
      `Dry run for ${summary.location}, build ${summary.buildId}: would upload ${uploaded.files} (${megabytes(uploaded.bytes)}), ` +
        `skip ${skipped.files}, delete ${summary.plan.deletions.length} and write ${summary.manifestKey}; nothing written`,
    )
    return `${lines.join('\n')}\n`
  }
  const manifest =
    summary.manifestsWritten === 0 ? `${summary.manifestKey} unchanged` : `${summary.manifestKey} written`
  return (
    `Published build ${summary.buildId} to ${summary.location}: ${uploaded.files} uploaded (${megabytes(uploaded.bytes)}), ` +
    `${skipped.files} skipped (${megabytes(skipped.bytes)}), ${deleted.length} deleted; ${manifest}; ` +
    `${summary.keptManifests} build(s) kept; ${summary.durationMs} ms\n`
  )
}

function toJson(summary: PublishSummary): object {
  return {
    ...summary,
    plan: {
      objects: summary.plan.objects.map((planned) => ({
        key: planned.key,
        action: planned.action,
        reason: planned.reason,
        size: planned.object.size,
        contentAddressed: planned.object.contentAddressed,
      })),
      deletions: summary.plan.deletions,
    },
  }
}
