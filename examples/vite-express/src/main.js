import './main.css'
import { greet } from './shared.js'

document.querySelector('#note').textContent = greet('main.js')
