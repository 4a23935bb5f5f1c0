// The Vite side of examples/vite-express: `npx vite build` writes build/ and build/.vite/manifest.json,
// `npx vite` starts the dev server the example loads in dev mode. build/ is committed, so the
// example runs without installing Vite (a real build gives other hashes).
export default {
  // Vite's base is vstatic's prefix: the chunks import each other, and the CSS names its assets,
  // under the URLs vstatic serves them at.
  base: '/static/',
  // The dev server's own origin: in dev mode the page comes from Express, and without this Vite
  // writes what the entry imports (images, a CSS url()) as /static/… paths, which 404 there.
  server: { origin: 'http://localhost:5173' },
  build: {
    outDir: 'build',
    manifest: true,
    // Every imported asset a file of its own (Vite inlines those under 4 KiB as data: URLs): the
    // views show the logo the script imports, by its source name, staticUrl('src/images/logo.svg').
    assetsInlineLimit: 0,
    rollupOptions: { input: ['src/main.js', 'src/admin.js'] },
  },
}
