// A vendored package, imported by its bare name through the import map.
export function celebrate(element) {
  element.animate([{ transform: 'scale(1)' }, { transform: 'scale(1.2)' }, { transform: 'scale(1)' }], 300)
}
