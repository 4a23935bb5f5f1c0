import './main.css'
import logoUrl from './images/logo.svg'
import { greet } from './shared.js'

const note = document.querySelector('#note')
note.textContent = greet('main.js')
note.prepend(Object.assign(document.createElement('img'), { src: logoUrl, alt: '', width: 16 }))
