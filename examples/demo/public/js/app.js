// The demo's script. It is loaded with a Subresource Integrity attribute: that it runs at all means
// the browser checked its bytes against the hash in the page.

const note = document.getElementById('note')
if (note) note.textContent = 'app.js ran: the browser checked its integrity hash and it matched.'

/**
 * Asks the server for each URL of the table with HEAD and shows what caching it gets: far-future
 * immutable for a URL with the current token, revalidation for the rest.
 */
async function inspectCaching(table) {
  for (const row of table.tBodies[0].rows) {
    const url = row.dataset.url
    const cells = row.cells
    try {
      const response = await fetch(url, { method: 'HEAD', cache: 'no-store' })
      cells[1].textContent = String(response.status)
      cells[1].className = response.ok ? 'status-ok' : ''
      cells[2].textContent = response.headers.get('cache-control') ?? '(none)'
      cells[3].textContent = response.headers.get('etag') ?? ''
    } catch (error) {
      cells[1].textContent = 'failed'
      cells[2].textContent = String(error)
    }
  }
}

/** Shows how long ago the page was rendered, so a reload in dev mode is easy to tell apart. */
function showRenderedAt(element) {
  const rendered = Date.parse(element.dataset.rendered ?? '')
  if (Number.isNaN(rendered)) return
  const update = () => {
    const seconds = Math.max(0, Math.round((Date.now() - rendered) / 1000))
    element.textContent = seconds < 2 ? 'just now' : `${seconds} s ago`
  }
  update()
  setInterval(update, 1000)
}

const table = document.getElementById('caching')
if (table) inspectCaching(table)
const renderedAt = document.getElementById('rendered-at')
if (renderedAt) showRenderedAt(renderedAt)
