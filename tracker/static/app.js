// Starts the NHS.UK frontend components (header menu, error summary focus, radios, tables...).
import { initAll } from '/assets/nhsuk-frontend.min.js'

initAll()

// A wide table scrolls inside its own box rather than the page (WCAG 1.4.10). Such a box must be
// reachable and scrollable with the keyboard, and named for screen readers (WCAG 2.1.1).
function makeScrollRegionsFocusable () {
  const boxes = document.querySelectorAll('.nhsuk-table-container, .nhsuk-table-responsive, .tracker-scroll, .tracker-grid-wrap')
  for (const box of boxes) {
    if (box.scrollWidth > box.clientWidth + 1) {
      if (!box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0')
        box.setAttribute('role', 'region')
        const caption = box.querySelector('caption')
        box.setAttribute('aria-label', caption ? caption.textContent.trim() + ' (scrolls sideways)' : 'Table (scrolls sideways)')
      }
    } else if (box.getAttribute('role') === 'region' && box.dataset.trackerScroll !== 'fixed') {
      box.removeAttribute('tabindex')
      box.removeAttribute('role')
      box.removeAttribute('aria-label')
    }
  }
}

makeScrollRegionsFocusable()
window.addEventListener('resize', makeScrollRegionsFocusable)
