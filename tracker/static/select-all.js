// "Select all" for a list of checkboxes: the checkbox is shown only when this script runs; without
// it, the form's "Approve all" button does the same on the server.
for (const all of document.querySelectorAll('[data-select-all]')) {
  const form = all.closest('form')
  const boxes = () => form.querySelectorAll(`input[type="checkbox"][name="${all.dataset.selectAll}"]`)
  const sync = () => {
    const list = [...boxes()]
    all.checked = list.length > 0 && list.every(b => b.checked)
    all.indeterminate = !all.checked && list.some(b => b.checked)
  }
  all.addEventListener('change', () => {
    for (const box of boxes()) box.checked = all.checked
  })
  for (const box of boxes()) box.addEventListener('change', sync)
  all.closest('[hidden]')?.removeAttribute('hidden')
  sync()
}
