// A buildless ES module: its imports load versioned URLs through the page's import map.
import { celebrate } from 'confetti'
import { formatCount } from './format.js'

const button = document.querySelector('#count')
let count = 0
button.addEventListener('click', () => {
  count += 1
  button.textContent = formatCount(count)
  if (count % 10 === 0) celebrate(button)
})
document.querySelector('#note').textContent = 'main.js and its imports have run'
