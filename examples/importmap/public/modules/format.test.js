// A test next to its module: left out by the `ignore` option, so it is neither indexed nor served.
import { formatCount } from './format.js'

if (formatCount(1) !== '1 click') throw new Error('formatCount')
