import { describe, expect, it } from 'vitest'
import { createStatic } from '../../src/index.js'
import { HAS_BROWSER, launchBrowser } from '../helpers/browser.js'
import { useTempRoot } from '../helpers/fixtures.js'
import { listen } from '../helpers/http.js'

/** Buildless ES modules: relative imports two levels deep, and a bare specifier. */
const MODULES = {
  'js/app.js':
    "import { twice } from './util.js'\nimport { greet } from 'greet'\ndocument.body.dataset.result = greet + twice(21)\n",
  'js/util.js': "import { one } from './deep/helper.mjs'\nexport const twice = (n) => 2 * n * one\n",
  'js/deep/helper.mjs': 'export const one = 1\n',
  'vendor/greet.js': "export const greet = 'hi '\n",
}

describe.skipIf(!HAS_BROWSER).each([{ versioning: 'query' as const }, { versioning: 'filename' as const }])(
  'a real browser and the import map ($versioning versioning)',
  ({ versioning }) => {
    it('requests only versioned module URLs, none on a second load, and refuses a module whose integrity is wrong', async () => {
      const assets = await createStatic({ root: useTempRoot(MODULES), versioning })
      const importMap = assets.importMap({ imports: { greet: 'vendor/greet.js' } })
      const page = (map: string) =>
        `<!doctype html><html><head>${map}${assets.script('js/app.js', { type: 'module' })}</head><body></body></html>`
      const requested: string[] = []
      const { url } = await listen((req, res) => {
        if (req.url === '/' || req.url === '/tampered') {
          // The tampered page names another digest for util.js: the browser must refuse it.
          const utilUrl = assets.url('js/util.js')
          const wrong = importMap.replace(
            `"${utilUrl}": "${assets.integrity('js/util.js')}"`,
            `"${utilUrl}": "sha384-${'A'.repeat(64)}"`,
          )
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
          res.end(page(req.url === '/' ? importMap : wrong))
          return
        }
        if (req.url !== '/favicon.ico')
          res.once('finish', () => requested.push(`${req.url} ${res.statusCode}`))
        assets.handle(req, res)
      })
      const browser = await launchBrowser()
      const context = await browser.newContext()
      const tab = await context.newPage()
      const messages: string[] = []
      tab.on('console', (message) => messages.push(message.text()))

      await tab.goto(`${url}/`, { waitUntil: 'load' })
      await tab.waitForFunction(() => document.body.dataset.result !== undefined)
      expect(await tab.evaluate(() => document.body.dataset.result)).toBe('hi 42')
      const modules = ['js/app.js', 'js/util.js', 'js/deep/helper.mjs', 'vendor/greet.js']
      expect(requested.sort()).toEqual(modules.map((file) => `${assets.url(file)} 200`).sort())

      // A second load: every module comes from the browser's cache, under the same URLs.
      requested.length = 0
      await tab.goto(`${url}/`, { waitUntil: 'load' })
      await tab.waitForFunction(() => document.body.dataset.result !== undefined)
      expect(await tab.evaluate(() => document.body.dataset.result)).toBe('hi 42')
      expect(requested).toEqual([])

      // The control: the integrity section is honoured, so the loads above were checked.
      const fresh = await (await browser.newContext()).newPage()
      fresh.on('console', (message) => messages.push(message.text()))
      await fresh.goto(`${url}/tampered`, { waitUntil: 'load' })
      await fresh.waitForTimeout(300)
      expect(await fresh.evaluate(() => document.body.dataset.result)).toBeUndefined()
      expect(messages.some((text) => /integrity/i.test(text))).toBe(true)
    }, 60_000)
  },
)
