// nginx as a benchmark peer: `sendfile on`, keep-alive without a request limit, the root under
// /static/, and as many worker processes as asked (the request scenarios use one, pinned with the
// other servers; the workers scenario two, unpinned).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file))

/** Starts nginx on a free port of 127.0.0.1: { name, url, pid (the master's), stop }. */
export async function startNginx(root, { workers = 1, pin = false, name = 'nginx', cacheControl } = {}) {
  const prefix = mkdtempSync(path.join(os.tmpdir(), 'vstatic-bench-nginx-'))
  mkdirSync(path.join(prefix, 'logs'))
  const port = await freePort()
  // With cacheControl, the header vstatic's handler sends for a plain (unversioned) URL.
  const header = cacheControl ? ` add_header Cache-Control "${cacheControl}";` : ''
  writeFileSync(
    path.join(prefix, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;  # the fixture may sit in a directory only its owner can read\n' : ''}worker_processes ${workers};
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path ${prefix}/body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port};
    location /static/ { alias ${root}/; etag on;${header} }
  }
}
`,
  )
  const command = pin ? 'taskset' : NGINX
  const args = [
    ...(pin ? ['-c', '0', NGINX] : []),
    '-p',
    prefix,
    '-c',
    path.join(prefix, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]
  const child = spawn(command, args, { stdio: 'ignore' })
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await fetch(`http://127.0.0.1:${port}/static/`, { method: 'HEAD' })
      break
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid, stop: () => child.kill('SIGQUIT') }
}

export async function freePort() {
  const net = await import('node:net')
  const server = net.createServer()
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}
