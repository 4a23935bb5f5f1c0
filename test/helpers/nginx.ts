import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { onTestFinished } from 'vitest'
import { useTempRoot } from './fixtures.js'

/** Debian's nginx, when installed. */
export const NGINX_PATH: string | undefined = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) =>
  existsSync(file),
)
export const HAS_NGINX = NGINX_PATH !== undefined || process.env.CI !== undefined
export const BROTLI_MODULE = '/usr/lib/nginx/modules/ngx_http_brotli_static_module.so'

/** A free TCP port on 127.0.0.1 (nginx gets it right after; a collision would fail the start loudly). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** A full nginx.conf around an http-level include, in a temporary prefix. */
function writeConfig(include: string, withBrotli: boolean): { prefix: string; conf: string } {
  const prefix = useTempRoot({})
  chmodSync(prefix, 0o755)
  for (const dir of ['logs', 'temp']) mkdirSync(path.join(prefix, dir))
  writeFileSync(path.join(prefix, 'vstatic.conf'), include)
  const conf = path.join(prefix, 'nginx.conf')
  writeFileSync(
    conf,
    `${withBrotli ? `load_module ${BROTLI_MODULE};\n` : ''}${process.getuid?.() === 0 ? 'user root;\n' : ''}worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path ${prefix}/temp/body;
    proxy_temp_path ${prefix}/temp/proxy;
    fastcgi_temp_path ${prefix}/temp/fastcgi;
    uwsgi_temp_path ${prefix}/temp/uwsgi;
    scgi_temp_path ${prefix}/temp/scgi;
    sendfile on;
    include ${prefix}/vstatic.conf;
}
`,
  )
  return { prefix, conf }
}

/** Runs `nginx -t` on a configuration; throws with nginx's own message when it is refused. */
export function checkConfig(include: string, withBrotli = false): void {
  const { prefix, conf } = writeConfig(include, withBrotli)
  execFileSync(NGINX_PATH ?? 'nginx', ['-t', '-q', '-p', prefix, '-c', conf], { stdio: 'pipe' })
}

/** Starts nginx in the foreground on the configuration; stopped when the test finishes. */
export async function startNginx(include: string, port: number, withBrotli = false): Promise<string> {
  const { prefix, conf } = writeConfig(include, withBrotli)
  const child: ChildProcess = spawn(NGINX_PATH ?? 'nginx', ['-p', prefix, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr?.on('data', (chunk: Buffer) => (errors += chunk.toString()))
  onTestFinished(async () => {
    if (process.env.VSTATIC_NGINX_LOG)
      process.stderr.write(readFileSync(path.join(prefix, 'logs/error.log'), 'utf8'))
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGQUIT')
    await exited
  })
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${errors}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return `http://127.0.0.1:${port}`
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`nginx did not start: ${errors}`)
}
