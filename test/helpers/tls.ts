import { execFileSync } from 'node:child_process'
import { createHash, createPublicKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { useTempRoot } from './fixtures.js'

/** A self-signed certificate for 127.0.0.1, made with openssl for this test run. */
export function selfSignedCertificate(): { key: Buffer; cert: Buffer } {
  const dir = useTempRoot({})
  const key = path.join(dir, 'key.pem')
  const cert = path.join(dir, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(key), cert: readFileSync(cert) }
}

/**
 * The Chromium flags that trust `cert` by its key's SPKI pin. With --ignore-certificate-errors
 * alone a page loads in a certificate-error state, where Chromium neither acts on early hints nor
 * keeps compression dictionaries.
 */
export function trustCertificateFlags(cert: Buffer): string[] {
  const spki = createHash('sha256')
    .update(createPublicKey(cert).export({ type: 'spki', format: 'der' }))
    .digest('base64')
  return ['--ignore-certificate-errors', `--ignore-certificate-errors-spki-list=${spki}`]
}
