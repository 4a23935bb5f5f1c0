import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { CLI, run } from '../helpers/cli.js'

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version

const COMMANDS = ['serve', 'url', 'build', 'verify', 'nginx', 'publish'] as const

async function help(command: string): Promise<string> {
  const result = await run([command, '--help'])
  expect(result.code).toBe(0)
  expect(result.stderr).toBe('')
  return result.stdout
}

/** The flags listed under "Options:", and whether each takes a value. */
function listedFlags(text: string): Array<{ flag: string; takesValue: boolean }> {
  const options = text.slice(text.indexOf('\nOptions:\n'))
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)( <[^>]+>)?/gm)].map((match) => ({
    flag: match[1] as string,
    takesValue: match[2] !== undefined,
  }))
}

describe('vstatic --version', () => {
  it.each([['--version'], ['-v']])(
    '%s prints the package version, in-process and as the bin',
    async (flag) => {
      expect(await run([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' })
      const bin = spawnSync(process.execPath, [CLI, flag], { encoding: 'utf8' })
      expect({ status: bin.status, stdout: bin.stdout, stderr: bin.stderr }).toEqual({
        status: 0,
        stdout: `${VERSION}\n`,
        stderr: '',
      })
    },
  )
})

describe('vstatic --help', () => {
  it.each(COMMANDS)('%s accepts every option its help lists', async (command) => {
    const text = await help(command)
    const flags = listedFlags(text)
    expect(flags.length).toBeGreaterThan(2)
    expect(flags.at(-1)?.flag).toBe('--help')
    for (const { flag, takesValue } of flags) {
      const argv = [command, flag, ...(takesValue ? ['x'] : []), '--help']
      expect(await run(argv), argv.join(' ')).toEqual({ code: 0, stdout: text, stderr: '' })
    }
  })

  it('prints the overview', async () => {
    expect(await help('--help')).toMatchInlineSnapshot(`
      "Usage: vstatic <command> [options]

      Content-hashed static assets: versioned URLs, a correct static server.

      Commands:
        serve <root>...       Serve a directory over HTTP
        url <path>...         Print the versioned URL of each file
        build <root>...       Write the manifest (and optionally a CDN-ready output directory)
        verify <root>...      Check that a manifest still matches the files
        nginx                 Print an nginx configuration that serves a build
        publish <out-dir>     Put a build on S3-compatible object storage, for a CDN

      Options:
        -h, --help            Show help (also: vstatic <command> --help)
        -v, --version         Print the version

      Exit codes: 0 success, 1 failure (e.g. a missing file), 2 usage error.
      "
    `)
  })

  it('prints serve --help', async () => {
    expect(await help('serve')).toMatchInlineSnapshot(`
      "Usage: vstatic serve <root>... [options]

      Serve <root> with versioned-URL caching, ETag/Last-Modified revalidation,
      ranges, HEAD and root aliases. With several roots, the first that has a file
      serves it. Logs one line per request to stdout.

      Options:
        --port <n>            Port to listen on; 0 picks a free one (default 8888)
        --host <addr>         Address to bind (default 127.0.0.1)
        --prefix <path>       URL prefix of the files (default /static/)
        --alias <url=file>    Serve a root-level URL from a file of <root>, e.g.
                              --alias /sitemap.xml=sitemap.xml (repeatable; added to
                              /favicon.ico and /robots.txt)
        --index <file>        File served for directory URLs (default index.html)
        --no-index            Serve no index file for directories
        --max-age <s>         max-age for unversioned responses (default 0: no-cache)
        --not-found-max-age <s>
                              max-age for 404s (default 0: no-cache)
        --dotfiles <policy>   ignore (default) or allow
        --ignore <glob>       Leave out files whose path matches (fast-glob syntax,
                              repeatable), e.g. --ignore "**/*.scss"
        --manifest <file>     Load the index from a manifest written by vstatic build
        --versioning <mode>   query (default) or filename
        --workers <n|auto>    Run n worker processes on one port (auto: one per CPU).
                              The index is built once and shared through a manifest;
                              a worker that dies is replaced; SIGHUP rebuilds the
                              index and replaces the workers without dropping a
                              request
        --drain-timeout <s>   On SIGTERM, SIGINT or a reload, let responses in flight
                              finish for up to s seconds, then cut them (default 30)
        --headers-timeout <s>
                              Answer 408 to a client that has not sent its headers
                              within s seconds (default 10)
        --request-timeout <s>
                              Answer 408 to a client that has not sent its whole
                              request within s seconds (default 30)
        --keep-alive-timeout <s>
                              Close a keep-alive connection idle for s seconds
                              (default 5)
        --send-timeout <s>    Cut a response when its client has read nothing for
                              s seconds (default 60)
        --max-connections <n>
                              Close new connections beyond n at once (default: half
                              the open-file limit, a socket and a file for each)
        --dev                 Dev mode: versions follow file edits without a restart
        --quiet               Do not log requests
        --log-format <format>
                              dev (default: time, client, request, status, body bytes,
                              duration), combined (the Apache/nginx format) or json
        --trust-proxy <addrs>
                              Log the client from X-Real-IP / X-Forwarded-For when the
                              peer is one of these proxies: loopback, addresses or
                              subnets, comma-separated (default: never)
        -h, --help            Show this help

      Stops gracefully on SIGINT or SIGTERM: stops accepting, closes idle
      connections, and lets responses in flight finish (see --drain-timeout).
      "
    `)
  })

  it('prints url --help', async () => {
    expect(await help('url')).toMatchInlineSnapshot(`
      "Usage: vstatic url <path>... --root <dir> [options]

      Print the versioned URL of each file, one per line, exactly as
      assets.url(path) returns it.

      Options:
        --root <dir>          The static directory (required; repeat it for several,
                              in lookup order)
        --prefix <path>       URL prefix of the files (default /static/)
        --manifest <file>     Take the URLs from a manifest written by vstatic build
        --versioning <mode>   query (default) or filename
        --ignore <glob>       Leave out files whose path matches (fast-glob syntax,
                              repeatable), e.g. --ignore "**/*.scss"
        --no-version          Print URLs without the token
        -h, --help            Show this help

      Exits 1 if any path is not a file of <root> (the error goes to stderr).
      "
    `)
  })

  it('prints build --help', async () => {
    expect(await help('build')).toMatchInlineSnapshot(`
      "Usage: vstatic build <root>... [options]

      Scan and hash <root>, rewrite references in CSS (and source-map comments),
      compute Subresource Integrity, and write the manifest that
      createStatic({ root, manifest }) loads at startup. With several roots, the
      first that has a file serves it; --out-dir merges them into one directory.

      Options:
        --out <file>          Manifest to write (default static-manifest.json)
        --out-dir <dir>       Also write the files, fingerprinted copies and variants
                              here, ready to upload to a CDN or object store
        --keep <n>            With --out-dir: keep the files of the last n builds
                              (default 2), for pages rendered by the previous deploy
        --versioning <mode>   query (app.css?v=<token>, default) or filename
                              (app.<token>.css)
        --prefix <path>       URL prefix of the files (default /static/)
        --ignore <glob>       Leave out files whose path matches (fast-glob syntax,
                              repeatable), e.g. --ignore "**/*.scss"
        --compress            Write Brotli and gzip variants of compressible files
        --deltas              With --out-dir: also write dcz/dcb deltas of each text file
                              against its kept versions (RFC 9842), for returning visitors.
                              Writing them needs Node 22.19+ (dcb: Node 24); serving any Node
        --integrity <alg>     sha256, sha384 (default) or sha512
        --dotfiles <policy>   ignore (default) or allow
        --fingerprinted <re>  Files a bundler already fingerprinted (a regular
                              expression on the path; "none" for none). They are kept
                              under their own names and served immutable. Default:
                              Vite's assets/name-<8 chars>.ext, webpack's name.<hex>.ext
        --strict              Fail (exit 1, nothing written) on references left as is,
                              reference cycles and paths that differ only in case
        --report <file.html>  Also write a self-contained HTML report: a treemap, sizes
                              with br and gzip, cache policies, references, warnings and
                              the changes since the previous build
        --json                Print a machine-readable summary, with the report's data
        --quiet               Print nothing but errors
        -h, --help            Show this help

      The manifest is written to a temporary file and renamed, so an interrupted
      build leaves the previous one intact.
      "
    `)
  })

  it('prints verify --help', async () => {
    expect(await help('verify')).toMatchInlineSnapshot(`
      "Usage: vstatic verify <root>... --manifest <file>

      List every file added, removed or changed in <root> since the manifest was
      built (with the roots and --ignore patterns it was built with). Given the
      output directory of an --out-dir build, check everything the build wrote
      there. Exits 0 when they agree and 1 when they do not: use it in CI.

      Options:
        --manifest <file>     The manifest to check (default static-manifest.json)
        --dotfiles <policy>   ignore (default) or allow, as given to build
        -h, --help            Show this help
      "
    `)
  })

  it('prints nginx --help', async () => {
    expect(await help('nginx')).toMatchInlineSnapshot(`
      "Usage: vstatic nginx --manifest <file> --root <dir> [options]

      Print an nginx configuration (for the http {} block) that serves the build
      the way vstatic does: far-future immutable caching exactly for current and
      retained versioned URLs, revalidation elsewhere, only the files of the build
      (dotfiles and strays are 404), precompressed variants, the same content types,
      and the root aliases as exact-match locations. A build without --out-dir that
      rewrote files (versioned url() and @import) is refused: nginx serves what is on
      disk, and those bytes are not.

      Options:
        --manifest <file>     The manifest written by vstatic build (required)
        --root <dir>          Directory nginx serves: the --out-dir of the build, or
                              its root if the build rewrote no file (required; repeat
                              it for a build of several roots, in the same order)
        --upstream <addr>     App server to proxy everything else to (repeatable),
                              e.g. 127.0.0.1:8000
        --listen <addr>       listen parameter (default 80)
        --server-name <name>  server_name (default _)
        --alias <url=file>    Extra root alias (repeatable; added to /favicon.ico and
                              /robots.txt)
        --max-age <s>         max-age for unversioned responses (default 0: no-cache)
        --not-found-max-age <s>
                              max-age for 404s under the prefix (default 0: no-cache)
        --cors <origin>       Access-Control-Allow-Origin (* or an origin)
        --brotli              Serve .br variants (needs the ngx_brotli static module)
        --early-hints         Pass the app's 103 Early Hints on to HTTP/2
                              navigations (needs --upstream and nginx 1.29+)
        --dotfiles <policy>   ignore (default) or allow, as given to build
        --no-hash-sizes       Leave out map_hash_* (if nginx.conf sets them)
        -h, --help            Show this help
      "
    `)
  })

  it('prints publish --help', async () => {
    expect(await help('publish')).toMatchInlineSnapshot(`
      "Usage: vstatic publish <out-dir> --manifest <file> --to s3://bucket/prefix [options]

      Upload the output directory of "vstatic build --out-dir" to a bucket, each
      object with the headers vstatic sends for it: Content-Type with charset,
      Cache-Control immutable exactly for content-addressed names, the SHA-256 and SRI
      as metadata. A key that holds the same bytes is skipped, a content-addressed
      key is written with If-None-Match: * and never overwritten. The manifest goes
      up last, after every object is checked, and objects that none of the last
      --keep published manifests name are deleted after it.

      Options:
        --manifest <file>     The manifest of the build (default static-manifest.json)
        --to <s3://bucket/prefix>
                              Where to publish (required)
        --manifest-key <name>
                              The manifest's key under the prefix (default static-manifest.json)
        --endpoint <url>      S3-compatible endpoint (R2, MinIO, Ceph, …), addressed
                              path-style (default AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
                              else AWS)
        --region <region>     Region (default AWS_REGION or the profile’s)
        --keep <n>            Keep the objects of the last n published builds, this one
                              included (default 2); older ones are deleted
        --dry-run             Print the plan; write and delete nothing
        --concurrency <n>     Requests in flight at once (default 8)
        --variants            Also publish the .br and .gz variants with Content-Encoding
                              (needs a CDN rule that picks them; see the publish guide)
        --max-age <s>         max-age for names without a token (default 0: no-cache)
        --json                Print a machine-readable summary
        --quiet               Print nothing but errors
        -h, --help            Show this help

      Credentials come from the AWS SDK's default chain (AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, …). Needs the optional
      package @aws-sdk/client-s3: npm install @aws-sdk/client-s3
      "
    `)
  })
})
