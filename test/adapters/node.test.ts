import { describeAdapter } from '../helpers/adapter-contract.js'
import { listen } from '../helpers/http.js'

describeAdapter('node:http handle()', async (assets, options) =>
  listen((req, res) =>
    assets.handle(req, res, () => {
      // The app hints the page it renders, as an app over node:http would.
      if (options?.earlyHints !== undefined) assets.earlyHints(res, options.earlyHints)
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('app 404')
    }),
  ),
)
