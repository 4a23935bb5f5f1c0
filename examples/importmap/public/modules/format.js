export function formatCount(count) {
  return `${count} click${count === 1 ? '' : 's'}`
}
