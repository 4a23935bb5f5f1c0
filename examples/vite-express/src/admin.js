import { greet } from './shared.js'

document.querySelector('#note').textContent = greet('admin.js')
