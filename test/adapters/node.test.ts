import { describeAdapter } from '../helpers/adapter-contract.js'
import { listen } from '../helpers/http.js'

describeAdapter('node:http handle()', async (assets) =>
  listen((req, res) =>
    assets.handle(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('app 404')
    }),
  ),
)
