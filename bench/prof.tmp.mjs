const { createStatic } = await import('../dist/index.js')
const t = performance.now()
await createStatic({ root: '/work/main/bench/.fixture/root' })
console.log('createStatic', (performance.now() - t).toFixed(1))
