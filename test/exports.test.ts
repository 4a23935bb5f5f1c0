import { describe, expect, it } from 'vitest'
import * as api from '../src/index.js'

describe('public surface', () => {
  it('exports exactly these names from the main entry', () => {
    expect(Object.keys(api).sort()).toEqual(['MissingAssetError', 'StaticConfigError', 'createStatic'])
  })
})
