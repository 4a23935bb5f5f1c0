// A tree that looks like a real site, for the indexing and rebuild figures: about a tenth each of
// stylesheets (most with nothing to rewrite, some with a few url()s), scripts ending in a
// sourceMappingURL comment, their source maps, JSON, SVG, HTML, text, fonts, images and other
// binaries. Sizes spread from a few hundred bytes to tens of kilobytes, plus a few large images.
// The same seed always writes the same bytes.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'

const WORDS =
  'the of and to in is was for on that with as by at from his her an be this had not are but which have one you were all their they she there would been has more if will who its what when about into than them can only other new some time could these two may first then do any like my now over such our man me even most made after also did many before must through back years where much your way well down should because each just those people how too little state good very make world still own see men work long get here between both life being under never day same another know while last might us great old year off come since against go came right used take three'.split(
    ' ',
  )

/** Sections of the site; each holds one folder per kind of file. */
const SECTIONS = 40

function pseudoRandom(seed) {
  let state = seed >>> 0
  return () => {
    // xorshift32: fast, and the same sequence for the same seed.
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
}

/**
 * Writes `files` files (a multiple of ten is simplest) under `root`, about 10 KB each on average.
 * `scale` multiplies every size (the smoke run uses a small one).
 */
export function writeSiteTree(root, files, { seed = 7, scale = 1 } = {}) {
  const random = pseudoRandom(seed)
  const pool = Buffer.alloc(4 * 1024 * 1024)
  for (let offset = 0; offset < pool.length; offset += 4) pool.writeUInt32LE(random(), offset)
  const between = (low, high) => Math.round((low + (random() % (high - low + 1))) * scale)
  const words = (bytes) => {
    const parts = []
    let length = 0
    while (length < bytes) {
      const word = WORDS[random() % WORDS.length]
      parts.push(word)
      length += word.length + 1
    }
    return parts.join(' ')
  }
  const binary = (header, bytes) => {
    const start = random() % (pool.length - bytes - 1)
    return Buffer.concat([
      Buffer.from(header),
      pool.subarray(start, start + Math.max(0, bytes - header.length)),
    ])
  }
  const perKind = Math.ceil(files / 10)
  const kinds = makeKinds({ between, words, binary, random, perKind })
  let written = 0
  for (let number = 0; written < files; number++) {
    for (const kind of kinds) {
      if (written >= files) break
      const section = `s${number % SECTIONS}`
      const directory = path.join(root, section, kind.folder)
      if (number < SECTIONS) mkdirSync(directory, { recursive: true })
      for (const [name, content] of kind.make(number)) {
        if (written >= files) break
        writeFileSync(path.join(directory, name), content)
        written++
      }
    }
  }
  return written
}

function makeKinds({ between, words, binary, random, perKind }) {
  // Names of files in the same section that stylesheets may reference.
  const image = (number) => `../img/photo-${number}.png`
  const font = (number) => `../fonts/face-${number}.woff2`
  return [
    {
      folder: 'css',
      make(number) {
        const rules = []
        const size = between(1_000, 18_000)
        const references = random() % 10 < 7 ? 0 : 1 + (random() % 4)
        for (let index = 0; index < references; index++) {
          const target = number - SECTIONS * (index + 1)
          const url = index % 2 === 0 ? image(Math.max(number % SECTIONS, target)) : font(number % SECTIONS)
          rules.push(`.r${number}-${index} { background: #fff url(${url}) no-repeat; }`)
        }
        let length = 0
        for (let index = 0; length < size; index++) {
          const rule = `.c${number}-${index} > .${words(8).replace(/ /g, '-')} { color: #${(random() & 0xffffff).toString(16).padStart(6, '0')}; margin: 0 ${index % 9}px; }`
          rules.push(rule)
          length += rule.length + 1
        }
        return [[`style-${number}.css`, `${rules.join('\n')}\n`]]
      },
    },
    {
      folder: 'js',
      make(number) {
        const body = `(function(){var m${number}=${JSON.stringify(words(between(1_000, 20_000)))};console.log(m${number}.length)})();`
        return [[`app-${number}.js`, `${body}\n//# sourceMappingURL=app-${number}.js.map\n`]]
      },
    },
    {
      folder: 'js',
      make(number) {
        const map = {
          version: 3,
          file: `app-${number}.js`,
          sources: [`src/app-${number}.ts`],
          names: words(200).split(' '),
          mappings: words(between(2_000, 20_000)).replace(/ /g, ';'),
        }
        return [[`app-${number}.js.map`, JSON.stringify(map)]]
      },
    },
    {
      folder: 'data',
      make: (number) => [
        [
          `data-${number}.json`,
          JSON.stringify({ id: number, items: words(between(500, 12_000)).split(' ') }),
        ],
      ],
    },
    {
      folder: 'icons',
      make(number) {
        const paths = []
        const size = between(400, 8_000)
        for (let length = 0; length < size; ) {
          const element = `<path d="M${random() % 100} ${random() % 100}L${random() % 100} ${random() % 100}Z"/>`
          paths.push(element)
          length += element.length
        }
        return [
          [
            `icon-${number}.svg`,
            `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">${paths.join('')}</svg>\n`,
          ],
        ]
      },
    },
    {
      folder: 'pages',
      make: (number) => [
        [
          `page-${number}.html`,
          `<!doctype html><html><head><title>${words(20)}</title></head><body><p>${words(between(1_000, 20_000))}</p></body></html>\n`,
        ],
      ],
    },
    { folder: 'docs', make: (number) => [[`notes-${number}.txt`, `${words(between(300, 12_000))}\n`]] },
    {
      folder: 'fonts',
      make: (number) => [[`face-${number}.woff2`, binary('wOF2', between(4_000, 20_000))]],
    },
    {
      folder: 'img',
      make(number) {
        // A few photographs of a megabyte or more; the rest are tens of kilobytes.
        const large = number % Math.max(1, Math.floor(perKind / 4)) === 3
        const bytes = large ? between(1_000_000, 2_000_000) : between(2_000, 30_000)
        return [[`photo-${number}.png`, binary('\x89PNG\r\n\x1a\n', bytes)]]
      },
    },
    {
      folder: 'bin',
      make: (number) => [[`blob-${number}.bin`, binary('BLOB', between(500, 16_000))]],
    },
  ]
}
