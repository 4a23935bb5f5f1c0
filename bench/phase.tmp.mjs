const { scanRoot, splitVariants } = await import('../dist/scan.js')
const { readSourceSync } = await import('../dist/asset-index.js')
const { resolveGraph } = await import('../dist/asset-graph.js')
const { createAsset } = await import('../dist/asset.js')
const { createScratch } = await import('../dist/hash.js')
const root = '/work/main/bench/.fixture/root'
let t = performance.now()
const files = scanRoot(root, { dotfiles: 'ignore', followSymlinksOutsideRoot: false })
const { originals } = splitVariants(files)
console.log('scan', (performance.now() - t).toFixed(1))
t = performance.now()
const scratch = createScratch()
const reads = new Map()
for (const f of originals)
  reads.set(f.logicalPath, { f, r: readSourceSync(f.logicalPath, f.absolutePath, scratch, () => false) })
console.log('read+hash', (performance.now() - t).toFixed(1))
t = performance.now()
const sources = new Map([...reads].map(([k, v]) => [k, v.r.source]))
const resolved = resolveGraph(sources, {
  prefix: '/static/',
  versioning: 'query',
  isFingerprinted: () => false,
  onWarning() {},
})
console.log('graph', (performance.now() - t).toFixed(1))
t = performance.now()
for (const [k, { f, r }] of reads) {
  const x = resolved.get(k)
  createAsset({
    logicalPath: k,
    absolutePath: f.absolutePath,
    size: r.size,
    mtimeMs: r.mtimeMs,
    hash: x.hash,
    token: x.token,
  })
}
console.log('assets', (performance.now() - t).toFixed(1))
