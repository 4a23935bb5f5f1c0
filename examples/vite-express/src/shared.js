import './shared.css'

export function greet(page) {
  return `${page} is running`
}
